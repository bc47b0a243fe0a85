"""The stored text of an event's payload (hashed: it tells a duplicate from a conflict) is the same
whether pydantic's serialiser writes it (central.events.model_text, the ingestion path) or json.dumps
(central.events.payload_text, the form stored before): a device's retry after an upgrade stays a
duplicate."""
from __future__ import annotations

import datetime as dt
import json

from central.events import _FLOATING, model_text, payload_text
from kiosk.contract.wire import (PAYLOADS, DeviceHealth, HelpRequested, OfficerSession, RatingReason, RatingRecorded,
                                 RatingRejectedPress, TicketCalled, TicketDossierLinked, TicketIssued, TicketNoShow,
                                 TicketPrinted, TicketServed, TicketTransferred)

AT = dt.datetime(2026, 11, 23, 9, 0, 1, 250, tzinfo=dt.timezone(dt.timedelta(hours=7)))
TRICKY = 'Nguyễn "Văn" \\ A / ✓ \u2028 \u00a0 😀'  # control characters are refused by the models


def _examples() -> list:
    return [
        TicketIssued(ticket_id="t-1", service_code="TPHT", day="2026-11-23", number=12, display_number="A012",
                     priority_group=None, issued_at=AT),
        TicketIssued(ticket_id="t-2", service_code="DD", day="2026-11-23", number=99_999, display_number="B99999",
                     priority_group="elderly", issued_at=AT, lease_source="central", central_lease_id="l-1",
                     device_id="d-1", phone="0912345678"),
        TicketPrinted(ticket_id="t-1", ok=False, status="paper_low", message=TRICKY[:200]),
        TicketCalled(ticket_id="t-1", counter=3, officer="Nguyễn Thị B", display_number="A012", day="2026-11-23",
                     service_code="TPHT", typed=True),
        TicketCalled(ticket_id="t-1", counter=999, officer=None),
        TicketServed(ticket_id="t-1", counter=3, officer="nv01", started_at=None, completed_at=AT),
        TicketServed(ticket_id="t-1", counter=3, officer="nv01", started_at=AT, completed_at=AT),
        TicketNoShow(ticket_id="t-1", counter=1),
        TicketTransferred(ticket_id="t-1", counter=2, to_service_code="XD"),
        RatingRecorded(rating_id="r-1", ticket_id=None, counter=4, officer=None, level="unsatisfied",
                       reason=TRICKY, raw_key=65_535, device="panel ✓", dossier_code="000.00.12.H62-201105-0004",
                       service_code="CT"),
        RatingRejectedPress(counter=4, reason="debounce", raw_key=0),
        TicketDossierLinked(ticket_id="t-1", counter=4, officer="nv01", dossier_code="G09.20-20260609-0092637"),
        RatingReason(rating_id="r-1", counter=4, answered=True, reason=TRICKY, reason_code="slow"),
        OfficerSession(counter=5, officer="cán bộ 1", action="break", method="card"),
        HelpRequested(screen="lấy số", counter=None),
        DeviceHealth(device="printer", state="degraded", detail=TRICKY),
    ]


def test_model_text_is_the_json_dumps_text() -> None:
    examples = _examples()
    assert {type(e) for e in examples} | _FLOATING == set(PAYLOADS)  # every payload type is covered
    for model in examples:
        payload = model.wire()
        payload.pop("phone", None)  # kept apart from the event (central.events.judge_batch)
        assert model_text(model, payload) == payload_text(payload), type(model).__name__


def test_only_the_floating_types_may_hold_a_float() -> None:
    """A new payload field that may hold a float (or any JSON) needs its type in _FLOATING."""
    for cls in PAYLOADS:
        if cls in _FLOATING:
            continue
        for name, prop in cls.model_json_schema()["properties"].items():
            text = json.dumps(prop)
            assert '"number"' not in text and ("type" in text or "$ref" in text or "const" in text
                                               or "enum" in text), f"{cls.__name__}.{name}: {text}"
