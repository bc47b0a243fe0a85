"""The test harness of the device apps, kept out of the product: headless scenarios that drive
the real app with simulated touches (`kiosk demo --headless --scenario NAME --out DIR`), and the
demo's seeding of its embedded central. The launcher (screens.launch) gets a scenario or the
demo's harness from the command line and never imports this package.

    driver.py      ScenarioDriver (one step per frame, touches, screenshots, scenario.json), Scenario
    lobby.py       lobby-ticket, lobby-closed, lobby-offline, lobby-printfail, lobby-access,
                   lobby-phone
    lookup.py      dossier-lookup (a scanner on a pty)
    roles.py       counter-rating, counter-signin, counter-dossier, counter-config, display-calls
    technician.py  technician-setup, technician-lockout, counter-technician, display-technician
    demo.py        waiting tickets and calls at the demo's central; DemoHarness for `kiosk demo`
"""
from __future__ import annotations

from screens.scenarios import lobby, lookup, roles, technician
from screens.scenarios.demo import DemoHarness
from screens.scenarios.driver import Scenario

SCENARIOS: dict[str, Scenario] = {**lobby.SCENARIOS, **lookup.SCENARIOS, **roles.SCENARIOS, **technician.SCENARIOS}
DEFAULT_SCENARIO = {"lobby": "lobby-ticket", "counter": "counter-rating", "display": "display-calls"}

__all__ = ["SCENARIOS", "DEFAULT_SCENARIO", "DemoHarness", "Scenario", "get_scenario"]


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; expected one of {', '.join(sorted(SCENARIOS))}") from None
