"""Console sessions without a shop: what ends a session, and the console being off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connector.clock import FrozenClock
from connector.settings import ConsoleSettings, ConsoleUser, Secret
from connector.web.console.sessions import Sessions
from connector.web.passwords import hash_password

SAM = ConsoleUser("sam", "support", hash_password("sam's long password"))
SETTINGS = ConsoleSettings(users=(SAM,), secret=Secret("k" * 40), session_hours=2)


def test_a_session_ends_with_its_hours_its_user_its_password_or_the_secret() -> None:
    clock = FrozenClock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    token, session = Sessions(SETTINGS, clock).issue(SAM)
    read = Sessions(SETTINGS, clock).read(token)
    assert read is not None and read.user == SAM and read.id == session.id

    # The role comes from the config, not the cookie: promoting sam takes effect at once.
    owner = replace(SAM, role="owner")
    promoted = Sessions(replace(SETTINGS, users=(owner,)), clock).read(token)
    assert promoted is not None and promoted.user.role == "owner"

    assert Sessions(replace(SETTINGS, users=()), clock).read(token) is None
    new_password = replace(SAM, password_hash=hash_password("sam's new long password"))
    assert Sessions(replace(SETTINGS, users=(new_password,)), clock).read(token) is None
    assert Sessions(replace(SETTINGS, secret=Secret("j" * 40)), clock).read(token) is None
    head, _, tail = token.partition(".")
    assert Sessions(SETTINGS, clock).read(f"{head}x.{tail}") is None

    clock.advance(timedelta(hours=2))
    assert Sessions(SETTINGS, clock).read(token) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    sessions = Sessions(SETTINGS, FrozenClock(datetime(2026, 11, 1, tzinfo=UTC)))
    _, one = sessions.issue(SAM)
    _, two = sessions.issue(SAM)
    assert one.id != two.id
    assert sessions.check_csrf(one.id, sessions.csrf(one.id))
    assert not sessions.check_csrf(one.id, sessions.csrf(two.id))
    assert not sessions.check_csrf(one.id, "")
