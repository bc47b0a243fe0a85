"""Port naming/resolution, backoff, the CLI and the benchmark's pure part."""
from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest

from benchmarks import panels as bench
from devices import cli
from devices.serial import open_panel
from devices.serial.supervisor import Backoff
from devices.serial.transport import PortNotFound, PortSpec, resolve_port


def ports(*specs):
    return lambda: [SimpleNamespace(device=d, vid=v, pid=p, serial_number=s) for d, v, p, s in specs]


def test_resolve_by_vid_pid_and_serial_number():
    found = ports(("/dev/ttyUSB1", 0x0403, 0x6001, "A1"), ("/dev/ttyACM0", 0x2341, 0x0043, None))
    assert resolve_port("0403:6001", found) == "/dev/ttyUSB1"
    assert resolve_port("usb:0403:6001:A1", found) == "/dev/ttyUSB1"
    with pytest.raises(PortNotFound):
        resolve_port("0403:6001:B2", found)


def test_two_identical_adapters_are_ambiguous():
    found = ports(("/dev/ttyUSB0", 0x0403, 0x6001, "A1"), ("/dev/ttyUSB1", 0x0403, 0x6001, "B2"))
    with pytest.raises(PortNotFound, match="serial number"):
        resolve_port("0403:6001", found)
    assert resolve_port("0403:6001:B2", found) == "/dev/ttyUSB1"


def test_plain_and_by_id_paths(tmp_path):
    link = tmp_path / "usb-FTDI_FT232R_A1-if00-port0"
    link.symlink_to("/dev/null")
    assert resolve_port(str(link)) == str(link)
    assert PortSpec(str(link)).usb_ids() is None
    with pytest.raises(PortNotFound):
        resolve_port(str(tmp_path / "missing"))


def test_backoff_is_capped_exponential():
    b = Backoff(initial=0.2, maximum=5.0)
    assert [b.delay(n) for n in range(1, 8)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]


def test_open_panel_rejects_unknown_protocol():
    with pytest.raises(ValueError):
        open_panel("x", "/dev/null", "morse", lambda p: None, start=False)


def test_cli_register_builds_nested_simulate_parser():
    parser = argparse.ArgumentParser()
    nested = cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", "panel", "--protocol", "ft12", "--port", "/tmp/p",
                              "--address", "0x82", "--keys", "1,2,0x0c", "--interval", "0.1", "--garbage"])
    assert (args.protocol, args.address, args.keys, args.interval, args.garbage) == ("ft12", 0x82, [1, 2, 12], 0.1, True)
    assert args.func is cli.simulate_panel
    printer = parser.parse_args(["simulate", "printer", "--state", "silent"])
    assert (printer.func, printer.port, printer.state) == (cli.simulate_printer, 9100, "silent")
    assert "panel" in nested.choices and "printer" in nested.choices
    with pytest.raises(SystemExit):
        parser.parse_args(["simulate", "panel", "--protocol", "morse", "--port", "/x"])


def test_cli_simulate_panel_through_socat(tmp_path):
    import shutil
    if shutil.which("socat") is None:
        pytest.skip("needs socat")
    from devices.serial.ascii import AsciiFramer
    from devices.serial.ptys import SocatPair
    from devices.serial.transport import open_serial

    with SocatPair(tmp_path) as pair:
        host = open_serial(pair.host, timeout=0.5)
        try:
            parser = argparse.ArgumentParser()
            cli.register(parser.add_subparsers(dest="command"))
            args = parser.parse_args(["simulate", "panel", "--protocol", "ascii", "--port", pair.dev,
                                      "--keys", "1,2,3", "--interval", "0.01"])
            assert args.func(args) == 0
            data = host.read(3)
        finally:
            host.close()
    assert [p.key for p in AsciiFramer("x").feed(data)] == [1, 2, 3]


def test_cli_reports_missing_port_as_exit_code():
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", "panel", "--protocol", "ft12", "--port", "/nonexistent/port"])
    assert args.func(args) == 1


def test_bench_framer_throughput_is_far_above_line_rate():
    rate, decoded = bench.framer_throughput(frames=2000)
    assert decoded == 2000
    assert rate >= 100 * bench.LINE_RATE_9600
