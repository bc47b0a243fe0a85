"""Optional notifications to the citizen's phone (issue 13): "your number is about to be called" and
"rate the service", each with the ticket page link, through one Notifier (Zalo ZNS or an SMS gateway),
via a durable outbox retried with capped back-off. Nothing happens when no channel is configured.

adapters.py (the Notifier and its channels), outbox.py (what to send and when, delivery, the
day-end purge), loop.py (the central's periodic thread), simulator.py (a gateway of each kind on
loopback, for tests and the demo). Outside this package, so that ingestion does not depend on it
(its outbox reads the queue, which imports the events): central/notify_settings.py (the
KIOSK_NOTIFY_* variables) and central/citizen_phones.py (the numbers, one day at most).
"""
