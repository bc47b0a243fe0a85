"""Build hook: the gettext catalogues are compiled into the wheel (kiosk/locales/*/LC_MESSAGES/
kiosk.mo) when it is built, never at run time. Everything else is in pyproject.toml."""
from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_catalogues(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the .po files of the source tree
        sys.path.insert(0, str(HERE))  # the contract's compiler, from this source tree
        try:
            from kiosk.contract.catalogues import mo_bytes
        finally:
            sys.path.pop(0)
        for po in sorted((HERE / "kiosk" / "locales").glob("*/LC_MESSAGES/*.po")):
            lang = po.parent.parent.name
            target = Path(self.build_lib) / po.relative_to(HERE).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(mo_bytes(po.read_bytes(), lang))


setup(cmdclass={"build_py": build_py_with_catalogues})
