"""The bundled pictograms (PNGs of the Tabler icon set in screens/lobby/pictograms, made by
scripts/pictograms.py): a service names one in the config (`services[].pictogram`)."""
from __future__ import annotations

from pathlib import Path

PICTOGRAMS = Path(__file__).with_name("pictograms")


def pictogram_path(name: str) -> str:
    """The PNG of a bundled pictogram, or "" when there is none (the tile then shows no picture)."""
    path = PICTOGRAMS / f"{name}.png"
    return str(path) if name and path.is_file() else ""


def pictogram_names() -> set[str]:
    return {p.stem for p in PICTOGRAMS.glob("*.png")}
