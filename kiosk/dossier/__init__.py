"""Dossier look-up (issue 5): parse what was scanned, look it up, show it masked.

parse (pure) -> lookup (DossierSource adapters, CachedLookup, DossierDesk) -> view (masked,
translated, ready for a screen). status holds the national status vocabulary and the
timeliness rule; privacy the masking rules and the logging filter. See docs/dossier.md.
"""
