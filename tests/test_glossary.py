"""The Vietnamese catalogue speaks the glossary's words (docs/glossary.md) and never the ones
they replace: one wording from screen to screen."""
from __future__ import annotations

import re
import tomllib

from babel.messages.pofile import read_po

from kiosk.contract.config import SAMPLE_CONFIG
from kiosk.i18n import ROOT, po_path

# A replaced word, as a whole word, case-insensitive (Python's \b knows Vietnamese letters).
FORBIDDEN = {
    "vé": r"\bvé\b",
    "bạn": r"\bbạn\b",
    "quý khách": r"\bquý khách\b",
    "giấy hẹn": r"\bgiấy hẹn\b",
    "Đọc to": r"\bđọc to\b",
    "quá hạn": r"\bquá hạn\b",
    # the receipt is named in full: "giấy tiếp nhận" only as "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    "giấy tiếp nhận (alone)": r"\bgiấy tiếp nhận\b(?! hồ sơ và hẹn trả kết quả)",
}


def vi_messages() -> dict[str, str]:
    with po_path("vi").open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale="vi") if m.id and isinstance(m.string, str)}


def test_the_catalogue_never_uses_a_replaced_word():
    found = [(word, msgid, text) for msgid, text in vi_messages().items()
             for word, pattern in FORBIDDEN.items() if re.search(pattern, text, re.IGNORECASE)]
    assert found == [], "\n".join(f"{word!r} in {text!r} (msgid {msgid!r})" for word, msgid, text in found)


def test_the_catalogue_uses_the_glossary_words():
    vi = vi_messages()
    assert vi["Your number"] == "Số thứ tự của Ông/Bà"
    assert "Ông/Bà" in vi["Are you in a priority group?"]
    assert "phiếu số thứ tự" in vi["Your ticket is printed. Please take it."]
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in vi["Scan the QR code on your appointment slip for results"]
    assert vi["Read aloud"] == "Nghe đọc"
    assert "quầy trả kết quả" in vi["The result is ready. Please bring your receipt and your ID card to the result counter to collect it."]


def test_every_glossary_word_is_in_the_glossary_document():
    text = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for word in ("phiếu số thứ tự", "Ông/Bà", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                 "Người cao tuổi (từ 60 tuổi)", "Nghe đọc", "Nghe lại", "Cần hỗ trợ"):
        assert word in text
    for word in FORBIDDEN:
        assert word.split(" (")[0] in text, f"the glossary does not say what replaces {word!r}"


def test_the_sample_centre_names_its_priority_groups_with_their_rule():
    groups = {g["code"]: g["name"] for g in tomllib.loads(SAMPLE_CONFIG.read_text("utf-8"))["priority_groups"]}
    assert groups["elderly"] == "Người cao tuổi (từ 60 tuổi)"
    assert groups["pregnant"] == "Phụ nữ có thai"
