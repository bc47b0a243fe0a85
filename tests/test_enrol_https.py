"""A device enrols only with an https:// central, unless told explicitly that http:// is meant
(a test bench): the token it receives would otherwise travel in clear."""
from __future__ import annotations

import socket

import pytest

from kiosk.sync import enrolment
from kiosk.sync.client import CentralUnavailable


@pytest.fixture(autouse=True)
def no_suite_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(enrolment.INSECURE_ENV, raising=False)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(enrolment.InsecureCentral, match="https://"):
        enrolment.enrol(f"http://127.0.0.1:{closed_port()}", "ABCD-EFGH")
    enrolment.check_url("https://central.example.lan")  # fine


def test_the_explicit_flag_lets_http_through() -> None:
    with pytest.raises(CentralUnavailable):  # it did try: nothing listens there
        enrolment.enrol(f"http://127.0.0.1:{closed_port()}", "ABCD-EFGH", insecure_http=True, timeout=2)


def test_the_command_refuses_http_without_the_flag(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import main

    from kiosk.contract.config import SAMPLE_CONFIG

    url = f"http://127.0.0.1:{closed_port()}"
    common = ["--config", str(SAMPLE_CONFIG), "--data", str(tmp_path)]
    assert main.main(["provision", "enrol", "--central", url, "--code", "ABCD-EFGH", *common]) == 2
    assert "https://" in capsys.readouterr().err
    assert main.main(["provision", "enrol", "--central", url, "--code", "ABCD-EFGH", *common,
                      "--insecure-http"]) == 1  # tried, unreachable
    assert not (tmp_path / enrolment.ENROLMENT_FILE).exists()
