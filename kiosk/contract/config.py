"""The device configuration: one typed, validated object loaded from a TOML file.

Errors name the file, the key (as a dotted path) and what was expected, because the person
reading them is a technician at a kiosk, not the developer.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from kiosk.contract.numbering import MAX_DEVICE_INDEX, lease_limit
from kiosk.contract.staff import PIN_HASH_PATTERN

SAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "sample_centre.toml"
# an installed device (provisioning/deploy/install.sh): its config and its data folder
APPLIANCE_CONFIG = "/etc/kiosk/kiosk.toml"
APPLIANCE_DATA = "/var/lib/kiosk"

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# What the central's database holds (kiosk.contract.wire): printable text of bounded length.
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


class ConfigError(Exception):
    """A config file that cannot be used; str() is the message to show."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """An opening window of a service, e.g. the morning session."""
    start: str
    end: str
    quota: int | None = Field(default=None, ge=1)

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"expected a time as HH:MM (24 h), got {value!r}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self

    @property
    def start_time(self) -> dt.time:
        return dt.time.fromisoformat(self.start)

    @property
    def end_time(self) -> dt.time:
        return dt.time.fromisoformat(self.end)


def _check_disjoint(windows: list[Window], message: str) -> None:
    spans = sorted((w.start, w.end) for w in windows)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise ValueError(message)


class Service(_Strict):
    """A service area (lĩnh vực) citizens take a number for."""
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
    prefix: Annotated[str, Field(pattern=r"^[A-Z0-9]{0,2}$")] = ""
    digits: int = Field(default=3, ge=2, le=5)
    name: str = Field(min_length=1)
    name_en: str = ""
    average_service_minutes: float = Field(default=10, gt=0, le=600)
    daily_quota: int | None = Field(default=None, ge=1)
    windows: list[Window] = Field(default_factory=lambda: [Window(start="07:30", end="11:30"),
                                                           Window(start="13:30", end="17:00")])
    weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5],
                                description="ISO weekdays the service is open, 1 = Monday")
    # Optional per-weekday windows (ISO weekday -> windows), e.g. {6 = Saturday morning only};
    # a weekday not listed here keeps `windows`. Read through kiosk.contract.windows.windows_on.
    hours: dict[int, list[Window]] = Field(default_factory=dict,
                                           description="ISO weekday -> its own windows, overriding `windows`")
    # What the tile shows under the name, so a first-timer finds the area of a procedure.
    pictogram: Annotated[str, Field(pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$", max_length=64,
                                    description="a bundled pictogram's name (screens/lobby/pictograms)")] = ""
    examples: list[Annotated[str, Field(min_length=1, max_length=60, pattern=_PRINTABLE)]] = Field(
        default_factory=list, max_length=3, description="2-3 example procedures, e.g. Khai sinh")
    examples_en: list[Annotated[str, Field(min_length=1, max_length=60, pattern=_PRINTABLE)]] = Field(
        default_factory=list, max_length=3)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if not value or any(d < 1 or d > 7 for d in value):
            raise ValueError("expected ISO weekdays 1 (Monday) to 7 (Sunday), at least one")
        return value

    @model_validator(mode="after")
    def _windows_disjoint(self) -> "Service":
        _check_disjoint(self.windows, "windows overlap")
        for day, windows in self.hours.items():
            if day not in self.weekdays:
                raise ValueError(f"hours are given for weekday {day}, which is not in weekdays {self.weekdays}")
            if not windows:
                raise ValueError(f"hours for weekday {day} are empty: remove the weekday from weekdays instead")
            _check_disjoint(windows, f"windows of weekday {day} overlap")
        return self

    @property
    def max_number(self) -> int:
        return int(10 ** self.digits - 1)

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def example_text(self, language: str) -> str:
        """["Khai sinh", "Kết hôn", "Chứng thực"] -> "Khai sinh, kết hôn, chứng thực" (the English
        list when there is one): one sentence, so every item after the first starts in lower case."""
        items = self.examples_en if language == "en" and self.examples_en else self.examples
        return ", ".join(item if i == 0 else item[:1].lower() + item[1:] for i, item in enumerate(items))


class PriorityGroup(_Strict):
    """A legal priority group (người cao tuổi, người khuyết tật, ...)."""
    code: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")]
    name: str = Field(min_length=1)
    name_en: str = ""

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name




class Officer(_Strict):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[^:\x00-\x1f\x7f]+$")  # no ":" (staff card QR)
    name: str = Field(min_length=1)
    title: str = ""
    photo: str = ""
    # Sign-in at a counter (kiosk.contract.staff): the PIN's hash, "" = no PIN (card only).
    pin_hash: str = Field(default="", pattern=r"^(?:" + PIN_HASH_PATTERN[1:-1] + r")?$")


class Counter(_Strict):
    number: int = Field(ge=1, le=999)
    services: list[str] = Field(min_length=1)
    officer: str | None = None  # Officer.code
    # The counter device serving it (its id, or the name given at enrolment); one device may
    # serve several counters. The central lets only that device act and report for this counter.
    device: str | None = Field(default=None, min_length=1, max_length=100, pattern=_PRINTABLE)


class Centre(_Strict):
    code: str = Field(min_length=1, max_length=64, pattern=_PRINTABLE, description="agency code, e.g. 000.00.12.H62")
    name: str = Field(min_length=1, max_length=200, pattern=_PRINTABLE)
    name_en: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    # Officers must sign in at the counter (PIN or staff card) before calling; the central
    # refuses counter actions with no officer signed in. False: the counter's configured officer.
    require_sign_in: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. Asia/Ho_Chi_Minh)") from None
        return value

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


DayKind = Literal["holiday", "closed", "working"]


class CalendarDay(_Strict):
    """A day that breaks the weekly pattern, configured per year (Tết and Giỗ Tổ follow the lunar
    calendar and make-up days are decided each year: never computed). holiday: a public holiday;
    closed: a one-off closed day; working: a one-off working day (a compensating Saturday) with
    the hours of weekday `hours_of` (default Monday). Read through kiosk.contract.windows."""
    date: dt.date
    kind: DayKind = "holiday"
    name: str = Field(min_length=1, max_length=200, pattern=_PRINTABLE)
    name_en: str = Field(default="", max_length=200)
    hours_of: int | None = Field(default=None, ge=1, le=7)

    @model_validator(mode="after")
    def _hours_only_when_working(self) -> "CalendarDay":
        if self.hours_of is not None and self.kind != "working":
            raise ValueError("hours_of is only for a working day (kind = \"working\")")
        return self

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


# Always offered last by the counter (kiosk.counter.rating.OTHER_REASON): not a centre's code.
OTHER_REASON_CODE = "other"


class RatingReason(_Strict):
    """A reason a citizen may give for "Không hài lòng", in the centre's own words."""
    code: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]
    name: str = Field(min_length=1, max_length=200, pattern=_PRINTABLE)
    name_en: str = Field(default="", max_length=200)
    order: int = Field(default=0, ge=0, le=999)
    active: bool = True

    @field_validator("code")
    @classmethod
    def _not_other(cls, value: str) -> str:
        if value == OTHER_REASON_CODE:
            raise ValueError(f"{OTHER_REASON_CODE!r} is always offered last by the counter: use another code")
        return value

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class QueueRules(_Strict):
    """Priority tickets go first in each cycle of `priority` + `normal` calls."""
    priority: int = Field(default=1, ge=1, le=20)
    normal: int = Field(default=2, ge=1, le=20)


class RateLimit(_Strict):
    tickets: int = Field(default=12, ge=1)
    per_seconds: int = Field(default=60, ge=1)


class LobbySettings(_Strict):
    idle_timeout_s: float = Field(default=45, ge=5, le=600)
    # Before going home, "Ông/Bà cần thêm thời gian?" with a countdown this long (WCAG 2.2.1: 20 s).
    more_time_s: float = Field(default=20, ge=2, le=120)
    dossier_result_s: float = Field(default=90, ge=5, le=600)  # the dossier look-up's result stays this long
    ticket_screen_s: float = Field(default=15, ge=3, le=120)
    double_tap_guard_s: float = Field(default=2.0, ge=0, le=30)
    services_per_page: int = Field(default=8, ge=2, le=8)  # 8: two columns of four on a portrait screen (landscape: at most 6)
    voice_guidance: bool = True  # each screen's prompt is spoken on arrival (docs/speech.md, "Voice guidance")
    rate_limit: RateLimit = RateLimit()
    # The central's notification channel (docs/notify.md): it fills this in the document it serves
    # from KIOSK_NOTIFY_CHANNEL, replacing any value written here. None: the number is never asked.
    phone_channel: Literal["zalo", "sms"] | None = None


class PrinterSettings(_Strict):
    kind: Literal["serial", "usb", "network", "file", "preview", "dummy", "none"] = "preview"
    device: str | None = None
    baudrate: int = 115200
    host: str | None = None
    port: int = Field(default=9100, ge=1, le=65535)
    usb_vendor: int | None = None
    usb_product: int | None = None
    path: str | None = None
    profile: str = "TM-T88V"
    native_qr: bool = True

    @model_validator(mode="after")
    def _needs(self) -> "PrinterSettings":
        need = {"serial": "device", "network": "host", "file": "path", "usb": "usb_vendor"}
        key = need.get(self.kind)
        if key and getattr(self, key) in (None, ""):
            raise ValueError(f"printer kind {self.kind!r} needs `{key}`")
        return self


class SpeechSettings(_Strict):
    # espeak: the espeak-ng program (Linux default); pyttsx3: the platform's voices (Windows SAPI5),
    # in a child process killed when it hangs (devices/speech/pyttsx3_engine.py)
    engine: Literal["espeak", "pyttsx3"] = "espeak"
    mode: Literal["auto", "play", "file", "null"] = "auto"
    voice_vi: str = "vi-vn-x-south"
    voice_en: str = "en"
    rate: int = Field(default=145, ge=80, le=400)  # espeak-ng takes 80-450 words per minute
    # Voice mode starts while a headphone is plugged in (devices/speech/jack.py): "amixer" reads the
    # ALSA control (jack_device: the card, default the first), "evdev" SW_HEADPHONE_INSERT events
    # (jack_device: /dev/input/by-path/...-event).
    headphone_jack: Literal["off", "amixer", "evdev"] = "off"
    jack_device: str | None = Field(default=None, max_length=200)
    jack_control: str = Field(default="Headphone Jack", min_length=1, max_length=80, pattern=r"^[^\x00'\n]*$")

    @model_validator(mode="after")
    def _jack(self) -> "SpeechSettings":
        if self.headphone_jack == "evdev" and not self.jack_device:
            raise ValueError("speech.headphone_jack 'evdev' needs `jack_device` (the input event file)")
        return self


class CentralSettings(_Strict):
    url: str | None = None  # None: standalone (no central)
    token: str | None = None
    ca_file: str | None = None
    device_index: int | None = Field(default=None, ge=1, le=MAX_DEVICE_INDEX)  # given at enrolment; picks the fallback block
    timeout_s: float = Field(default=5, gt=0, le=120)
    # The ticket's QR is public_url + /t/<token> (kiosk.contract.ticket_page), signed with the
    # centre's ticket_key; both come with the enrolment. public_url: where citizens' phones reach
    # the central (default: url). Without a key the QR stays the kiosk's own KMC1:T: code.
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", max_length=200)
    ticket_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    heartbeat_s: float = Field(default=30, ge=1)
    config_poll_s: float = Field(default=60, ge=1)
    batch_size: int = Field(default=500, ge=1, le=1000)
    backoff_cap_s: float = Field(default=180, ge=1, le=3600)


class Numbering(_Strict):
    """How numbers are shared between kiosks (see docs/central.md, "Leases")."""
    lease_size: int = Field(default=20, ge=1, le=500)      # numbers asked for at a time
    lease_low_water: int = Field(default=5, ge=0, le=500)  # renew when fewer remain
    fallback_block_size: int = Field(default=20, ge=1)     # numbers each kiosk owns for offline use
    max_devices: int = Field(default=10, ge=1, le=MAX_DEVICE_INDEX)


class DeviceSettings(_Strict):
    id: str = Field(default="kiosk-01", pattern=r"^[A-Za-z0-9._-]{1,64}$")
    role: Literal["lobby", "counter", "display", "rating"] = "lobby"
    language: Literal["vi", "en"] = "vi"
    data_dir: str = "data"
    kiosk_mode: bool = True  # fullscreen, no cursor, no exit on Escape
    # The screen's diagonal (16:9): touch targets are checked in millimetres on it (screens/lobby/audit.py).
    screen_diagonal_in: float = Field(default=32, ge=7, le=100)


RatingLevelName = Literal["very_satisfied", "satisfied", "unsatisfied"]

# The serial panel protocols a config may name. devices/serial/registry.py implements each one
# (the core cannot import it); tests/test_panel_registry.py fails until both lists agree.
PanelProtocol = Literal["ft12", "ascii", "modbus"]
PANEL_PROTOCOLS: tuple[str, ...] = get_args(PanelProtocol)
# Keypads without bus addresses: one per counter (`counter`, `kind`); the others are addressed buses.
KEYPAD_PROTOCOLS: frozenset[str] = frozenset({"ascii"})


class PanelSettings(_Strict):
    """One serial panel port of a counter device (docs/counter.md, "Panels").

    Addressed buses (ft12, modbus): `evaluators` / `callers` map bus address (decimal) -> counter
    number; both empty = the public convention for the device's counters: caller address =
    counter number, evaluator address = counter number + 0x80. Keypads (ascii): one per counter
    (`counter`, `kind`).
    """
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    port: str = Field(min_length=1)
    protocol: PanelProtocol = "ft12"
    baudrate: int = Field(default=9600, ge=1200, le=921600)
    kind: Literal["evaluator", "caller"] = "evaluator"
    counter: int | None = Field(default=None, ge=1, le=999)
    evaluators: dict[int, int] = Field(default_factory=dict)
    callers: dict[int, int] = Field(default_factory=dict)
    # modbus (polled inputs): a change counts once read this many polls in a row; 1 takes every
    # one-poll glitch for a press. The event-driven protocols ignore it.
    stable_polls: int = Field(default=2, ge=1, le=20)

    @model_validator(mode="after")
    def _keypad_needs_counter(self) -> "PanelSettings":
        if self.protocol in KEYPAD_PROTOCOLS and self.counter is None:
            raise ValueError(f"{self.protocol} panel {self.name!r} needs `counter` (one keypad per counter)")
        return self


class RatingSettings(_Strict):
    """Rating rules (kiosk/counter/rating.py). `keys` overrides the default map for `buttons`."""
    buttons: int = Field(default=3, ge=2, le=5)
    first_key: int = Field(default=1, ge=0, le=250)  # key code of the left-most button (modbus: 0)
    keys: dict[int, RatingLevelName] | None = None
    window_s: float = Field(default=60, ge=5, le=900)
    debounce_s: float = Field(default=1.5, ge=0, le=30)
    reason_timeout_s: float = Field(default=30, ge=3, le=300)
    reason_codes: list[Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]] = Field(
        default_factory=lambda: ["long_wait", "unclear_guidance", "attitude", "slow_processing"])
    max_rejected_per_minute: int = Field(default=60, ge=1, le=10000)


class CounterSettings(_Strict):
    """The counter role: which counters this device runs, its panels and the rating rules."""
    counters: list[int] = Field(default_factory=list)  # empty: every configured counter
    panels: list[PanelSettings] = Field(default_factory=list)
    rating: RatingSettings = RatingSettings()
    queue_refresh_s: float = Field(default=30, ge=5, le=3600)  # cached queue for offline typed calls


class ScannerSettings(_Strict):
    """The QR/barcode scanner of the dossier look-up (devices/scanner, docs/dossier.md "Scanner").

    none: no scanner (codes are typed on the screen). serial: a serial or USB-CDC scanner sending
    CR/LF-terminated codes on `port` (a path, /dev/serial/by-id/..., or usb:VID:PID). evdev: a
    keyboard-mode (HID) scanner read from `port` (/dev/input/by-id/...-event-kbd) with an exclusive
    grab, so its keystrokes never reach the UI (needs the optional `evdev` package).
    """
    kind: Literal["none", "serial", "evdev"] = "none"
    port: str | None = None
    baudrate: int = Field(default=9600, ge=1200, le=921600)
    max_length: int = Field(default=512, ge=16, le=4096)   # longer lines are dropped whole
    timeout_s: float = Field(default=0.5, gt=0, le=10)     # a pause this long inside a code drops the partial code
    repeat_guard_s: float = Field(default=2.0, ge=0, le=30)  # the same code again within this time is ignored

    @model_validator(mode="after")
    def _port_needed(self) -> "ScannerSettings":
        if self.kind != "none" and not self.port:
            raise ValueError(f"a {self.kind} scanner needs `port`")
        return self


class Config(_Strict):
    device: DeviceSettings = DeviceSettings()
    centre: Centre
    services: list[Service] = Field(min_length=1)
    priority_groups: list[PriorityGroup] = Field(default_factory=list)
    counters: list[Counter] = Field(default_factory=list)
    officers: list[Officer] = Field(default_factory=list)
    calendar: list[CalendarDay] = Field(default_factory=list)
    rating_reasons: list[RatingReason] = Field(default_factory=list)
    queue: QueueRules = QueueRules()
    numbering: Numbering = Numbering()
    lobby: LobbySettings = LobbySettings()
    printer: PrinterSettings = PrinterSettings()
    speech: SpeechSettings = SpeechSettings()
    central: CentralSettings = CentralSettings()
    counter: CounterSettings = CounterSettings()
    scanner: ScannerSettings = ScannerSettings()

    @model_validator(mode="after")
    def _references(self) -> "Config":
        codes = [s.code for s in self.services]
        if len(set(codes)) != len(codes):
            raise ValueError("service codes must be unique")
        prefixes = [(s.prefix, s.digits) for s in self.services if s.prefix]
        if len(set(prefixes)) != len(prefixes):
            raise ValueError("service prefixes must be unique, or two services would print the same number")
        for s in self.services:
            if lease_limit(self.numbering, s.max_number) < 1:
                raise ValueError(f"service {s.code}: {s.digits} digits leave no room for the offline fallback "
                                 "blocks (numbering.fallback_block_size x numbering.max_devices)")
        officers = {o.code for o in self.officers}
        for c in self.counters:
            for code in c.services:
                if code not in codes:
                    raise ValueError(f"counter {c.number} serves unknown service {code!r}")
            if c.officer and c.officer not in officers:
                raise ValueError(f"counter {c.number} names unknown officer {c.officer!r}")
        seen: set[dt.date] = set()
        for d in self.calendar:
            if d.date in seen:
                raise ValueError(f"calendar: {d.date.isoformat()} is listed twice")
            seen.add(d.date)
        reasons = [r.code for r in self.rating_reasons]
        if len(set(reasons)) != len(reasons):
            raise ValueError("rating reason codes must be unique")
        return self

    def reason_codes(self) -> tuple[str, ...]:
        """The reasons the counter offers for "Không hài lòng", in order (then "other"): the centre's
        active `rating_reasons` when it has any, else this device's `counter.rating.reason_codes`."""
        own = sorted((r for r in self.rating_reasons if r.active), key=lambda r: r.order)
        return tuple(r.code for r in own) if own else tuple(self.counter.rating.reason_codes)

    def rating_reason(self, code: str) -> RatingReason | None:
        """The centre's wording of a reason; None for the device's built-in codes (the screen's catalogue)."""
        return next((r for r in self.rating_reasons if r.code == code), None)

    def service(self, code: str) -> Service:
        for s in self.services:
            if s.code == code:
                return s
        raise KeyError(code)

    def priority_group(self, code: str) -> PriorityGroup:
        for g in self.priority_groups:
            if g.code == code:
                return g
        raise KeyError(code)

    def counters_for(self, service_code: str) -> list[Counter]:
        return [c for c in self.counters if service_code in c.services]

    def data_path(self, base: Path | None = None) -> Path:
        p = Path(self.device.data_dir)
        return p if p.is_absolute() or base is None else base / p

    def command_data_dir(self, data: str | None) -> Path:
        """The data folder of a command run on an installed device (`kiosk status`, `outbox`,
        `provision`): --data (or $KIOSK_DATA), an absolute device.data_dir, else the appliance's
        folder; never the folder the command happens to run in."""
        if data:
            return Path(data)
        configured = Path(self.device.data_dir)
        return configured if configured.is_absolute() else Path(APPLIANCE_DATA)


# Sections the central distributes; the rest (device, printer, speech, central) stay local.
CENTRE_SECTIONS = ("centre", "services", "priority_groups", "counters", "officers", "calendar", "rating_reasons",
                   "queue", "numbering", "lobby")


def merge_centre_document(local: Config, document: dict[str, Any], source: str = "central config") -> Config:
    """The local device sections with the centre sections the central sent (validated)."""
    data = local.model_dump(mode="json")
    data.update({k: v for k, v in document.items() if k in CENTRE_SECTIONS})
    return parse_config(data, source)


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _explain(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see the config reference in the README)"
    if kind == "missing":
        return "required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    if kind != "value_error" and "input" in err and not isinstance(err["input"], (dict, list)):
        msg += f" (got {err['input']!r})"
    return msg


def config_error(exc: ValidationError, source: str, section: tuple[str | int, ...] = ()) -> ConfigError:
    """A pydantic error as lines a technician can act on: the file, the dotted key, what is wrong.
    `section`: where the validated mapping sits in the file (e.g. ("reports",))."""
    lines = [f"{source}: key `{_dotted(section + tuple(e['loc']))}`: {_explain(e)}" for e in exc.errors()]
    return ConfigError("Invalid configuration\n" + "\n".join(lines))


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, source) from None


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))
