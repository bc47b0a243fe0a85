"""The lobby kiosk: tickets, the dossier look-up, one module and one .kv per screen."""
