from pathlib import Path

import pytest

from kiosk.contract.catalogues import LANGUAGES
from kiosk.i18n import Translator, extract_msgids, missing_translations


def test_every_visible_string_is_translated_in_every_language():
    missing = missing_translations()
    assert missing == {lang: [] for lang in LANGUAGES}, f"untranslated strings: {missing}"


def test_extraction_sees_every_receiver_form(tmp_path):
    from kiosk.i18n import SOURCE_DIRS
    for folder in SOURCE_DIRS:
        (tmp_path / folder).mkdir()
    (tmp_path / "screens" / "x.py").write_text(
        'a = self.tr("One")\nb = self.app.tr("Two")\nc = _("Three")\nd = N_("Four")\ne = str("Not this")\n')
    (tmp_path / "screens" / "x.kv").write_text('    text: app.tr("Five", app.lang)\n')
    assert extract_msgids(tmp_path) == {"One", "Two", "Three", "Four", "Five"}


def test_extraction_finds_strings_in_python_and_kv():
    ids = extract_msgids()
    assert "Please wait for your number to be called. Thank you!" in ids  # kiosk/lobby.py
    assert any(len(i) > 3 for i in ids)


def test_switching_language_at_run_time():
    tr = Translator("vi")
    msg = "Please wait for your number to be called. Thank you!"
    vi = tr(msg)
    assert vi != msg and ("ố" in vi or "ờ" in vi)
    tr.set_language("en")
    assert tr(msg) == msg
    assert tr(msg, "vi") == vi  # an explicit language wins
    with pytest.raises(ValueError, match="unsupported language"):
        tr.set_language("fr")


def test_catalogues_are_read_without_writing_into_the_package():
    from kiosk.contract.catalogues import locales_root, mo_bytes

    before = sorted(p.name for p in Path(str(locales_root())).rglob("*"))
    tr = Translator("vi")
    after = sorted(p.name for p in Path(str(locales_root())).rglob("*"))
    assert before == after  # a root-owned install stays as it was
    po = Path(str(locales_root())) / "vi" / "LC_MESSAGES" / "kiosk.po"
    import gettext
    import io
    compiled = gettext.GNUTranslations(io.BytesIO(mo_bytes(po.read_bytes(), "vi")))  # what the wheel carries
    msg = "Please wait for your number to be called. Thank you!"
    assert compiled.gettext(msg) == tr(msg) != msg
