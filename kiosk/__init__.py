# The one version of the project (pyproject.toml reads it; `kiosk --version`, heartbeats, the central)
__version__ = "0.1.0"
