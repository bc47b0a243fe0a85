"""The ticket's QR as the URL of its page on the central: made offline with the centre's key,
recognised by the kiosk's look-up, explained on the printed ticket."""
from __future__ import annotations

import uuid

from devices.printer.render import render_ticket_preview
from kiosk.contract.config import SAMPLE_CONFIG, load_config
from kiosk.contract.ticket_page import TOKEN_CHARS, make_token, new_key, page_url, ticket_of, token_in
from kiosk.dossier.parse import Refused, TicketRef, parse
from kiosk.ports import TicketPrintout
from kiosk.ticketing import ticket_qr

CENTRE = "000.00.12.H12"
PUBLIC = "https://hcc.camau.gov.vn"


def test_token_names_the_ticket_only_under_its_key() -> None:
    key, tid = new_key(), str(uuid.uuid4())
    token = make_token(key, tid)
    assert len(token) == TOKEN_CHARS and ticket_of(token, key) == tid
    assert ticket_of(token, new_key()) is None                       # another centre's key
    assert ticket_of(token[:-1] + ("A" if token[-1] != "A" else "B"), key) is None  # one character changed
    assert ticket_of("!" * TOKEN_CHARS, key) is None and ticket_of("short", key) is None
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_":  # every other last character
        if ch != token[-1]:
            assert ticket_of(token[:-1] + ch, key) is None, ch
    url = page_url(PUBLIC + "/", token)
    assert url == f"{PUBLIC}/t/{token}" and tid.replace("-", "") not in url  # the id is not readable as such
    assert token_in(url, PUBLIC) == token and token_in("HTTP://HCC.camau.gov.vn/t/" + token, PUBLIC) == token
    assert token_in(f"https://other.gov.vn/t/{token}", PUBLIC) is None


def test_the_kiosk_makes_the_page_url_offline_and_keeps_the_old_code_without_a_key() -> None:
    config = load_config(SAMPLE_CONFIG)
    tid = str(uuid.uuid4())
    assert ticket_qr(config, "2026-11-23", "A001", tid).startswith("KMC1:T:")
    key = new_key()
    central = config.central.model_copy(update={"url": "http://10.0.0.5:8800", "ticket_key": key})
    with_key = config.model_copy(update={"central": central})
    assert ticket_qr(with_key, "2026-11-23", "A001", tid) == f"http://10.0.0.5:8800/t/{make_token(key, tid)}"
    public = with_key.model_copy(update={"central": central.model_copy(update={"public_url": PUBLIC})})
    url = ticket_qr(public, "2026-11-23", "A001", tid)
    assert url.startswith(PUBLIC + "/t/")
    # the kiosk's look-up recognises its own centre's ticket in the new form
    parsed = parse(url, centre_code=CENTRE, ticket_page=(PUBLIC, key))
    assert isinstance(parsed, TicketRef) and parsed.ticket_id == tid and parsed.day is None
    forged = page_url(PUBLIC, make_token(new_key(), tid))
    assert parse(forged, centre_code=CENTRE, ticket_page=(PUBLIC, key)) == Refused("other_centre_ticket")
    assert isinstance(parse(url, centre_code=CENTRE), Refused)  # a kiosk without the key: not a dossier link


def test_the_printed_ticket_says_what_the_qr_is_for() -> None:
    base = TicketPrintout(header="Trung tâm", number="A001", service="Tư pháp - Hộ tịch", lines=("12:00",),
                          qr_payload=f"{PUBLIC}/t/{'x' * TOKEN_CHARS}", footer="Cảm ơn")
    plain = render_ticket_preview(base)
    explained = render_ticket_preview(TicketPrintout(**{**base.__dict__, "qr_caption": (
        "Quét mã QR để theo dõi số thứ tự trên điện thoại:", f"hcc.camau.gov.vn/t/{'x' * TOKEN_CHARS}")}))
    assert explained.width == plain.width and explained.height > plain.height + 40  # a line and the URL
