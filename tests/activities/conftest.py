"""The workflow suite's fixtures (a migrated SQLite registry with the reference data, a local SMTP server,
a time-skipping test server of its own), for the worker test of the external screening."""

from tests.workflows.conftest import mailbox, registry_db, time_skipping

__all__ = ["mailbox", "registry_db", "time_skipping"]
