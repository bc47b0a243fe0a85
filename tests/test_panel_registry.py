"""The panel-protocol registry, the config schema and the technician's choices name the same
protocols; a new protocol needs its framer module, one registry line and its config name."""
from __future__ import annotations

import argparse

import pytest

from devices.cli import add_panel_parser
from devices.serial import ft12, open_panel, registry, start_rating_encoder
from devices.serial.modbus import ModbusLink
from devices.serial.transport import StreamLink
from kiosk.contract.config import KEYPAD_PROTOCOLS, PANEL_PROTOCOLS, ConfigError
from kiosk.counter.panels import PanelMap, make_prompter
from provisioning.assign import default_panel_map, is_keypad, panel_protocols
from tests.counter_support import counter_config


def test_registry_config_and_technician_agree():
    assert set(registry.names()) == set(PANEL_PROTOCOLS)
    assert panel_protocols() == registry.names()
    assert {n for n in registry.names() if not registry.get(n).addressed} == set(KEYPAD_PROTOCOLS)
    parser = argparse.ArgumentParser()
    action = next(a for a in add_panel_parser(parser.add_subparsers())._actions if a.dest == "protocol")
    assert set(action.choices) == set(registry.names())


def test_config_refuses_a_protocol_the_registry_does_not_know():
    with pytest.raises(ConfigError, match="protocol"):
        counter_config({"panels": [{"name": "bus", "port": "/dev/x", "protocol": "rs232-magic"}]})
    with pytest.raises(ValueError, match="unknown panel protocol 'rs232-magic'"):
        open_panel("bus", "/dev/x", "rs232-magic", lambda press: None, start=False)


def test_each_protocol_opens_its_own_link_at_its_default_baudrate():
    for name, link_type in (("ft12", StreamLink), ("ascii", StreamLink), ("modbus", ModbusLink)):
        sup = open_panel("p", "/dev/does-not-exist", name, lambda press: None, start=False)
        assert isinstance(sup.link, link_type)
        assert sup.link.baudrate == registry.get(name).baudrate == 9600


def test_start_rating_is_the_protocols_own_frame():
    assert start_rating_encoder("ft12") is ft12.encode_start_rating
    assert start_rating_encoder("ascii") is None and start_rating_encoder("modbus") is None


def test_prompter_sends_to_the_first_evaluator_that_can_be_prompted():
    cfg = counter_config({"counters": [1, 3], "panels": [
        {"name": "di", "port": "/dev/di", "protocol": "modbus", "evaluators": {7: 3}},
        {"name": "bus", "port": "/dev/bus", "protocol": "ft12"}]})
    panel_map = PanelMap(cfg.counter, [1, 3])
    sent: list[tuple[str, bytes]] = []
    senders = {name: (lambda data, name=name: sent.append((name, data)) or True) for name in ("di", "bus")}
    prompt = make_prompter(panel_map, senders, start_rating_encoder)
    assert prompt(3) and sent == [("bus", ft12.encode_start_rating(0x83))]
    del senders["bus"]
    assert not prompt(1)  # the port that could prompt is not open


def test_technicians_address_map_comes_from_the_registry():
    assert is_keypad("ascii") and not is_keypad("ft12") and not is_keypad("modbus")
    assert default_panel_map("ft12", [3]) == registry.get("ft12").default_addresses([3]) == ({3: 3}, {0x83: 3})
