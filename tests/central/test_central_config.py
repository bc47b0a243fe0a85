"""Config documents: import/validation and distribution with ETag / If-None-Match."""
from __future__ import annotations

import copy
import tomllib

import pytest
from central_helpers import Central

from central.centres import load_toml, parse_doc
from kiosk.contract.config import CENTRE_SECTIONS, SAMPLE_CONFIG, ConfigError
from kiosk.contract.numbering import fallback_block, lease_limit


def sample() -> dict:
    return tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))


def test_config_etag_and_304(central: Central) -> None:
    dev = central.enrol("display")
    r = dev.get("/api/v1/config")
    assert r.status_code == 200 and len(r.json()["services"]) == 14
    etag = r.headers["etag"]
    r2 = dev.get("/api/v1/config", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.headers["etag"] == etag and r2.content == b""
    assert dev.get("/api/v1/config", headers={"If-None-Match": '"other"'}).status_code == 200

    doc = copy.deepcopy(r.json())
    doc["queue"] = {"priority": 2, "normal": 3}
    with central.admin() as c:
        put = c.put("/api/v1/admin/centres", json=doc)
        assert put.status_code == 200, put.text
        assert put.json()["etag"] != etag
    r3 = dev.get("/api/v1/config", headers={"If-None-Match": etag})
    assert r3.status_code == 200 and r3.json()["queue"] == {"priority": 2, "normal": 3}


def test_invalid_documents_are_refused_with_the_key(central: Central) -> None:
    doc = sample()
    doc["counters"][0]["services"] = ["NOPE"]
    with central.admin() as c:
        r = c.put("/api/v1/admin/centres", json=doc)
    assert r.status_code == 422 and "unknown service 'NOPE'" in r.json()["detail"]


def test_toml_import_ignores_device_sections_and_checks_numbering(tmp_path) -> None:
    doc = load_toml(SAMPLE_CONFIG)
    assert set(doc.to_json()) == {*CENTRE_SECTIONS, "reports"}
    bad = sample()
    bad["services"][0]["digits"] = 2  # 99 numbers cannot hold 10 fallback blocks of 20
    with pytest.raises(ConfigError, match="no room for the offline fallback"):
        parse_doc(bad)
    bad["numbering"] = {"fallback_block_size": 5, "max_devices": 4}
    parsed = parse_doc(bad)
    assert lease_limit(parsed.numbering, 99) == 79
    assert fallback_block(parsed.numbering, 99, 1) == (95, 99) and fallback_block(parsed.numbering, 99, 4) == (80, 84)
    assert fallback_block(parsed.numbering, 99, 5) is None
    with pytest.raises(ConfigError, match="numbering"):
        parse_doc({**sample(), "numbering": {"fallback_block_size": 0}})


@pytest.mark.parametrize("change, key", [
    (lambda d: d["centre"].update(timezone="Mars/Olympus"), "centre.timezone"),
    (lambda d: d["officers"][0].update(code="x" * 80), "officers[0].code"),
    (lambda d: d["centre"].update(code="c" * 65), "centre.code"),
    (lambda d: d["centre"].update(name="Trung tâm\x00"), "centre.name"),
    (lambda d: d["counters"][0].update(device="d" * 101), "counters[0].device"),
])
def test_a_document_that_would_break_the_central_is_refused_naming_the_key(
        central: Central, tmp_path, capsys, change, key) -> None:
    """Mars/Olympus once took /queue, /calls and the reports down (500); an 80-character officer
    code broke call-next on PostgreSQL."""
    import tomli_w

    from central import cli
    doc = sample()
    change(doc)
    with central.admin() as c:
        r = c.put("/api/v1/admin/centres", json=doc)
    assert r.status_code == 422 and f"`{key}`" in r.json()["detail"]
    path = tmp_path / "centre.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    import argparse
    parser = argparse.ArgumentParser(prog="kiosk")
    cli.register(parser.add_subparsers(dest="command", required=True))
    migrate = parser.parse_args(["central", "migrate", "--db", f"sqlite:///{tmp_path}/c.db"])
    assert migrate.func(migrate) == 0
    args = parser.parse_args(["central", "import-config", str(path), "--db", f"sqlite:///{tmp_path}/c.db"])
    assert args.func(args) == 2
    assert f"`{key}`" in capsys.readouterr().err
    dev = central.enrol("display")
    assert dev.get("/api/v1/calls").status_code == 200  # the central still works


def test_the_services_page_edits_pictograms_and_example_procedures() -> None:
    """The services form (central/web/config_pages.py): a pictogram name and example procedures,
    comma-separated, become the service's `pictogram`, `examples` and `examples_en`."""
    from central.web.config_pages import FIELDS, document_from_form, show

    doc = parse_doc({k: v for k, v in sample().items() if k in CENTRE_SECTIONS}).to_json()
    fields = dict(FIELDS["services"])
    form = {"rows": "1"}
    for field, kind in FIELDS["services"]:
        form[f"services.0.{field}"] = show(field, kind, doc["services"][0].get(field))
    assert form["services.0.examples"] == "Khai sinh, Kết hôn, Chứng thực"
    form["services.0.pictogram"] = "users-group"
    form["services.0.examples"] = "Khai sinh, kết hôn"
    form["services.0.examples_en"] = ""
    new = document_from_form("services", form, doc)
    service = new["services"][0]
    assert (service["pictogram"], service["examples"], service["examples_en"]) == (
        "users-group", ["Khai sinh", "kết hôn"], [])
    assert fields["pictogram"] == "text"
    new["services"] = new["services"][:1]
    new["counters"] = []
    parse_doc({k: v for k, v in new.items() if k in CENTRE_SECTIONS})  # valid for the kiosk's schema too
    form["services.0.pictogram"] = "Not A Name!"
    bad = document_from_form("services", form, doc)
    bad["services"], bad["counters"] = bad["services"][:1], []
    with pytest.raises(ConfigError, match="pictogram"):
        parse_doc({k: v for k, v in bad.items() if k in CENTRE_SECTIONS})
