import tomllib

import pytest

from kiosk.contract.config import SAMPLE_CONFIG, ConfigError, load_config, parse_config


def sample() -> dict:
    return tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))


def test_sample_centre_is_valid_and_realistic():
    cfg = load_config(SAMPLE_CONFIG)
    assert len(cfg.services) >= 12
    names = {s.name for s in cfg.services}
    assert {"Tư pháp - Hộ tịch", "Đất đai", "Xây dựng", "Cư trú"} <= names
    assert cfg.priority_groups and cfg.counters


@pytest.mark.parametrize("mutate, key, expected", [
    (lambda d: d["lobby"].update(idel_timeout=3), "lobby.idel_timeout", "unknown key"),
    (lambda d: d["services"][1]["windows"].__setitem__(0, {"start": "25:00", "end": "11:00"}) if "windows" in d["services"][1]
     else d["services"][1].update(windows=[{"start": "25:00", "end": "11:00"}]), "services[1].windows[0].start", "HH:MM"),
    (lambda d: d["printer"].update(kind="serial"), "printer", "needs `device`"),
    (lambda d: d["device"].update(language="fr"), "device.language", "'vi' or 'en'"),
    (lambda d: d.pop("centre"), "centre", "required key is missing"),
    (lambda d: d["services"][0].update(digits="three"), "services[0].digits", "integer"),
    (lambda d: d["counters"][0].update(services=["NOPE"]), "(top level)", "unknown service 'NOPE'"),
])
def test_wrong_values_name_file_key_and_expectation(tmp_path, mutate, key, expected):
    data = sample()
    mutate(data)
    with pytest.raises(ConfigError) as err:
        parse_config(data, "centre.toml")
    text = str(err.value)
    assert f"centre.toml: key `{key}`" in text
    assert expected in text


def test_corrupted_file_gives_clear_message(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_bytes(SAMPLE_CONFIG.read_bytes()[:900] + b"\n[[services]\nname = \"x")
    with pytest.raises(ConfigError, match=r"kiosk.toml: not valid TOML"):
        load_config(bad)
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(bad)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")
