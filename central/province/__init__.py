"""The province's one-stop information system (hệ thống thông tin giải quyết TTHC cấp tỉnh), central side.

One interface (`client.ProvinceSystem`), two directions: dossier status look-up (code -> status,
dates, the office holding it) and rating push (dossier code, level, reason, officer, time).
`client.RestProvinceClient` speaks a configurable REST API (`settings.ProvinceSettings`);
`outbox` keeps every rating to push in a table until that system took it; `cache` answers the
kiosks' look-ups from the central's own dossier rows and asks the province only when they are
stale; `export` writes the daily CSV/XLSX file the province can import instead; `simulator` is a
small real HTTP server of such a system for tests and the demo; `bridge` runs it all. See
docs/province.md.
"""
