"""Central system of Kiosk Một Cửa (docs/central.md)."""
__version__ = "0.1.0"
