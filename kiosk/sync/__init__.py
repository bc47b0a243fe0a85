"""Offline-first sync with the central system: outbox sender, leases, heartbeat, config pull."""
