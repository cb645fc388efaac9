"""The web face is served by the daemon: its tests use the daemon's database fixtures."""

from tests.daemon.conftest import any_db_url, daemon_db  # noqa: F401  (fixtures)
