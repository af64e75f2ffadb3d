"""Accounts and access: who may sign in (users.py, with the sign-in throttle), what each role may see
and do (access.py), and the tamper-evident audit log (audit.py). Above storage (warehouse), below
the dashboard and the command line."""
