"""The managers' web app, served by the central itself (see docs/web.md)."""
