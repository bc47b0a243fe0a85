"""The counter role's UI (docs/counter.md, "UI"): officer controls and the citizen's rating
view on one screen at the counter. `screens.counter.run.run_counter` composes it."""
