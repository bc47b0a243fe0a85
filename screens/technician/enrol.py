"""Enrolment with the central: its address and a one-time code, typed or scanned as a QR code."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.i18n import N_
from kiosk.sync.enrolment import short_device_id
from screens.base import load_kv
from screens.keyboard import CodeKeyboard
from screens.technician.base import ROLE_TEXT, TechScreen, cycle

ENROL_REASONS = {"expired": N_("This enrolment code has expired: ask the central's administrator for a new one."),
                 "already_used": N_("This enrolment code was already used: ask for a new one."),
                 "unknown": N_("Unknown enrolment code: check the spelling, or ask for a new one."),
                 "tls": N_("The central's TLS certificate is not trusted: choose its CA file."),
                 "unreachable": N_("The central cannot be reached: check the address and the network."),
                 "bad_url": N_("The central's address must start with http:// or https://."),
                 "insecure": N_("The central's address must start with https://: an http:// address sends the kiosk's token in clear."),
                 "bad_qr": N_("This QR code is not an enrolment code from the central."),
                 "not_enrolment": N_("This address answers, but it is not a Kiosk Một Cửa central system.")}


class TechKeyboard(CodeKeyboard):
    """Letters in QWERTY order (technicians type on keyboards), lower case for addresses, and
    the signs of a URL."""
    rows_spec = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm:/.")
    upper = False


class TechEnrolScreen(TechScreen):
    url = StringProperty("")
    code = StringProperty("")
    field = StringProperty("url")                 # the field the keyboard types into
    ca_files = ListProperty([])                   # CA certificates found (str paths)
    ca_file = StringProperty("")                  # "" = the system's certificates
    result = StringProperty("")
    done = BooleanProperty(False)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.done, self.result = False, ""
        self.select("url" if not self.url else "code")
        self.mode.run(lambda s: [str(p) for p in s.ca_candidates()], on_done=self._cas)

    def _cas(self, paths: list[str]) -> None:
        self.ca_files = paths

    def select(self, field: str) -> None:
        self.field = field
        self.ids.keyboard.text = getattr(self, field)

    def on_kv_post(self, base_widget) -> None:
        self.ids.keyboard.bind(text=self._typed)

    def _typed(self, keyboard, text: str) -> None:
        # Codes are printed in capitals (the central ignores case and dashes).
        setattr(self, self.field, text.upper() if self.field == "code" else text)

    def next_ca(self) -> None:
        self.ca_file = cycle([""] + list(self.ca_files), self.ca_file)

    def scanned(self, data: str) -> None:
        """The QR printed by `kiosk central enrol-code`, read by the kiosk's scanner."""
        if self.busy:
            return

        def filled(answer) -> None:
            self.url, self.code = answer
            self.select("code")
            self.say(self.tr("Read from the QR code. Check the address, then tap Enrol."), ok=True)

        self.mode.run(lambda s: s.parse_scanned(data), on_done=filled, on_error=self._failed)

    def enrol(self) -> None:
        if self.busy:
            return
        if not self.url.strip() or not self.code.strip():
            self.say(self.tr("Type the central's address and the enrolment code, or scan the QR code."))
            return
        self.busy = True
        self.message = ""
        url, code, ca = self.url.strip(), self.code.strip(), self.ca_file or None
        self.mode.run(lambda s: s.enrol(url, code, ca_file=ca), on_done=self._enrolled, on_error=self._failed)

    def _enrolled(self, enrolment) -> None:
        self.busy, self.done = False, True
        self.code = ""
        self.result = self.tr("Enrolled: {role} {device}, centre {centre}.").format(
            role=self.tr(ROLE_TEXT.get(enrolment.role, enrolment.role)), device=short_device_id(enrolment.device_id),
            centre=enrolment.centre_code)
        self.say(self.tr("Restart the kiosk to work with the central system."), ok=True)
        self.mode.need_restart("enrolled")

    def _failed(self, exc: BaseException) -> None:
        reason = getattr(exc, "reason", "")
        text = ENROL_REASONS.get(reason)
        self.say(self.tr(text) if text else str(exc))


load_kv(__file__)
