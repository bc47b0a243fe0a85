"""The hall display role's UI: the last calls, newest large, each announced aloud.
`screens.display.run.run_display` composes it."""
