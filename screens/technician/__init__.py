"""The on-screen technician mode of every device app (lobby, counter, hall display): a hidden
gesture (hold the top-left corner of the home screen for 3 s, or Ctrl+Alt+T on a plugged
keyboard), a PIN, then enrolment, device assignment, self-tests, diagnostics and factory reset.

mode.py holds the gesture, the worker and the restart; one module and one .kv per screen (pin,
menu, enrol, devices, self_tests, diag), on base.py. The screens only show and ask; every step
runs on provisioning.session.TechnicianSession in a worker thread, which audits it (events sent
to the central with the next sync).
"""
