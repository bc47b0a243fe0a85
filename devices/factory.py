"""Builds the device drivers a config asks for. Unavailable hardware never stops the kiosk:
it comes back as a driver that fails cleanly and reports its health."""
from __future__ import annotations

from pathlib import Path

from kiosk.contract.config import Config
from kiosk.ports import HealthSink, Speaker, TicketPrinter


class NoPrinter:
    """`printer.kind = "none"`: a kiosk without a printer shows the ticket on screen only."""

    def print_ticket(self, ticket):
        from kiosk.ports import PrinterStatus, PrintResult
        return PrintResult(ok=False, status=PrinterStatus.OFFLINE, message="no printer configured")

    def status(self):
        from kiosk.ports import PrinterStatus
        return PrinterStatus.OFFLINE

    def close(self) -> None:
        pass


def build_printer(config: Config, data_dir: Path, on_health: HealthSink) -> TicketPrinter:
    p = config.printer
    if p.kind == "none":
        return NoPrinter()
    from devices.printer.factory import open_printer
    return open_printer(p.kind, device=p.device, baudrate=p.baudrate, host=p.host, port=p.port,
                        usb_vendor=p.usb_vendor, usb_product=p.usb_product, path=p.path, profile=p.profile,
                        preview_dir=str(data_dir / "printed"), native_qr=p.native_qr, on_health=on_health)


def build_speaker(config: Config, data_dir: Path, on_health: HealthSink) -> Speaker:
    from devices.speech.engine import EspeakEngine, SpeechEngine
    from devices.speech.worker import SpeechWorker
    s = config.speech
    engine: SpeechEngine
    if s.engine == "pyttsx3":
        from devices.speech.pyttsx3_engine import Pyttsx3Engine
        engine = Pyttsx3Engine(voice=s.voice_vi, rate=s.rate, english_voice=s.voice_en)
    else:
        engine = EspeakEngine(voice=s.voice_vi, rate=s.rate, english_voice=s.voice_en)
    return SpeechWorker(engine, mode=s.mode, wav_dir=data_dir / "speech", on_health=on_health)
