"""A new centre configuration reaches a running counter terminal without a restart: the
`counter-config` scenario (a fresh process, the embedded central) changes the centre document at
the central, and the counter shows the renamed officer and service and the new reasons at its next
config poll."""
from __future__ import annotations

import pytest

from screens.scenarios.roles import NEW_OFFICER, NEW_REASON, NEW_SERVICE
from tests.test_ui_lobby import Run, assert_not_blank, run_scenario


@pytest.fixture(scope="module")
def config_run(tmp_path_factory) -> Run:
    return run_scenario("counter-config", tmp_path_factory.mktemp("counter-config"))


@pytest.mark.ui
def test_a_counter_shows_a_new_centre_config_without_a_restart(config_run: Run):
    run = config_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    before, after = run.summary["before"], run.summary["after"]
    assert before["officer"] and before["officer"] != NEW_OFFICER
    assert after["officer"] == NEW_OFFICER                       # the officer card
    assert NEW_SERVICE not in before["services"] and NEW_SERVICE in after["services"]  # the transfer list
    assert NEW_REASON not in before["reasons"]                   # the reasons for Không hài lòng: the new list
    assert after["reasons"][:2] == ["Chờ quá lâu", NEW_REASON] and len(after["reasons"]) == 4  # + other, declined
    for name in run.screenshots():
        assert_not_blank(run.out / name)
