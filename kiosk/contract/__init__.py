"""The shared contract: what the kiosk core and the central both speak.

Wire events, the config schema, numbering formulas, queue rules, the dossier record and the
SQLite/Alembic set-up. The central imports nothing else of the kiosk; this package imports
nothing of the kiosk outside itself (besides the pure domain rules it re-uses).
"""
