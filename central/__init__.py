"""Central system of Kiosk Một Cửa (docs/central.md)."""
from kiosk import __version__  # the project's one version

__all__ = ["__version__"]
