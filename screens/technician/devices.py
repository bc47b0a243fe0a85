"""Device assignment: printer, scanner, counters, panels with their address map, rating keys."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import N_
from provisioning.assign import PanelChoice, default_panel_map, is_keypad, panel_protocols
from screens.base import load_kv
from screens.technician.base import TechScreen, cycle

MSG_NO_PORT = N_("No serial port found. Is the USB-serial adapter plugged in?")
PRINTER_KINDS = ("none", "serial", "usb", "network", "file", "preview")
SCANNER_KINDS = ("none", "serial", "evdev")
LEVELS = ("very_satisfied", "satisfied", "unsatisfied")
LEVEL_TEXT = {"very_satisfied": N_("Very satisfied"), "satisfied": N_("Satisfied"),
              "unsatisfied": N_("Not satisfied")}


class PanelRow(BoxLayout):
    """One panel port of a counter terminal (layout in technician.kv)."""
    screen = ObjectProperty(None)
    index = NumericProperty(0)
    port = StringProperty("")
    protocol = StringProperty("ft12")
    mapping = StringProperty("")


class TechDevicesScreen(TechScreen):
    ports_text = StringProperty("")
    port_choices = ListProperty([])
    printer_kind = StringProperty("preview")
    printer_device = StringProperty("")
    scanner_kind = StringProperty("none")
    scanner_port = StringProperty("")
    show_counter = BooleanProperty(False)
    counters_text = StringProperty("")
    rating_text = StringProperty("")
    first_key = NumericProperty(1)
    loaded = BooleanProperty(False)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.loaded = False
        self.mode.run(lambda s: (s.ports(), s.assignment(), s.ctx.config), on_done=self._loaded,
                      on_error=lambda exc: self.say(str(exc)))

    def _loaded(self, answer) -> None:
        ports, a, config = answer
        self.assignment, self.config = a, config
        lines, choices = [], []
        for p in ports:
            usb = f"USB {p.vid:04x}:{p.pid:04x}" if p.vid is not None else ""
            lines.append("  ".join(x for x in (p.device, usb, p.serial_number or "", p.description or "") if x))
            lines.extend(f"      → {link}" for link in p.by_id)
            choices.append(p.by_id[0] if p.by_id else p.device)
        self.ports_text = "\n".join(lines) or self.tr(MSG_NO_PORT)
        for current in (a.printer_device, a.scanner_port, *(panel.port for panel in a.panels)):
            if current and current not in choices:
                choices.append(current)   # configured, not plugged in now: still choosable
        self.port_choices = choices
        self.printer_kind, self.printer_device = a.printer_kind, a.printer_device or ""
        self.scanner_kind, self.scanner_port = a.scanner_kind, a.scanner_port or ""
        self.show_counter = "panels" in self.mode.capabilities or config.device.role == "counter" or bool(a.panels)
        self.served = list(a.counters)
        keys = sorted(a.rating_keys) if a.rating_keys else []
        self.first_key = keys[0] if keys else config.counter.rating.first_key
        self._build_panels()
        self._update_texts()
        self.loaded = True

    # choices (each tap moves to the next option)
    def next_printer_kind(self) -> None:
        self.printer_kind = cycle(PRINTER_KINDS, self.printer_kind)

    def next_printer_device(self) -> None:
        self.printer_device = cycle(self.port_choices, self.printer_device)

    def next_scanner_kind(self) -> None:
        self.scanner_kind = cycle(SCANNER_KINDS, self.scanner_kind)

    def next_scanner_port(self) -> None:
        self.scanner_port = cycle(self.port_choices, self.scanner_port)

    def next_counters(self) -> None:
        """Cycles through: every counter, then each configured counter alone."""
        numbers = [c.number for c in self.config.counters]
        options = [[]] + [[n] for n in numbers]
        self.served = cycle(options, self.served)
        self._update_texts()

    def change_first_key(self, step: int) -> None:
        self.first_key = max(0, min(250, self.first_key + step))
        self._update_texts()

    def add_panel(self) -> None:
        n = len(self.assignment.panels) + 1
        self.assignment.panels.append(PanelChoice(name=f"panel-{n}", port=self.port_choices[0]
                                                  if self.port_choices else "/dev/ttyUSB0"))
        self._build_panels()

    def remove_panel(self, index: int) -> None:
        del self.assignment.panels[index]
        self._build_panels()

    def next_panel_port(self, row: PanelRow) -> None:
        row.port = self.assignment.panels[row.index].port = cycle(self.port_choices, row.port)

    def next_panel_protocol(self, row: PanelRow) -> None:
        row.protocol = self.assignment.panels[row.index].protocol = cycle(panel_protocols(), row.protocol)
        self._update_texts()

    def _counters(self) -> list[int]:
        return self.served or [c.number for c in self.config.counters]

    def _build_panels(self) -> None:
        box = self.ids.panels
        box.clear_widgets()
        for i, panel in enumerate(self.assignment.panels):
            box.add_widget(PanelRow(screen=self, index=i, port=panel.port, protocol=panel.protocol))
        self._update_texts()

    def _update_texts(self) -> None:
        tr = self.tr
        counters = self._counters()
        self.counters_text = (", ".join(map(str, self.served)) if self.served
                              else tr("all ({numbers})").format(numbers=", ".join(map(str, counters))))
        self.rating_text = ",  ".join(f"{tr('key')} {self.first_key + i} → {tr(LEVEL_TEXT[level])}"
                                      for i, level in enumerate(LEVELS))
        for row in self.ids.panels.children:
            panel = self.assignment.panels[row.index]
            if is_keypad(panel.protocol):
                panel.counter, panel.evaluators, panel.callers = counters[0] if counters else None, {}, {}
                row.mapping = tr("keypad of counter {counter}").format(counter=panel.counter)
            else:
                callers, evaluators = default_panel_map(panel.protocol, counters)
                panel.counter, panel.callers, panel.evaluators = None, callers, evaluators
                row.mapping = "  ".join([f"{tr('caller')} {a}→{c}" for a, c in sorted(callers.items())] +
                                        [f"{tr('rating')} {a}→{c}" for a, c in sorted(evaluators.items())])

    def save(self) -> None:
        if self.busy or not self.loaded:
            return
        a = self.assignment
        a.printer_kind, a.printer_device = self.printer_kind, self.printer_device or None
        a.scanner_kind, a.scanner_port = self.scanner_kind, self.scanner_port or None
        if self.show_counter:
            a.counters = list(self.served)
            a.rating_keys = {self.first_key + i: level for i, level in enumerate(LEVELS)}
        self.busy = True

        def saved(config) -> None:
            self.say(self.tr("Saved in {file}. Restart the kiosk to use it.").format(
                file=self.mode.session.ctx.config_path), ok=True)
            self.mode.need_restart("devices")

        self.mode.run(lambda s: s.save_assignment(a), on_done=saved, on_error=lambda exc: self.say(str(exc)))


load_kv(__file__)
