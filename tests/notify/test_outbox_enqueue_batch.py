"""A cycle's emails go into the outbox in one statement, each key once, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.notify.outbox import Outbox
from connector.notify.samples import sample_notification, sample_shop
from connector.notify.tables import outbox_messages as messages
from tests.notify.conftest import make_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    made = make_engine(url)
    yield made
    made.dispose()


def test_a_batch_is_one_insert_that_skips_keys_already_stored_or_repeated(
    engine: sa.Engine, clock: FrozenClock
) -> None:
    shop = sample_shop("en")
    mails = [
        replace(sample_notification("ship_soon"), order_id=f"o{n}", order_number=f"#{n}")
        for n in range(8)
    ]
    inserts: list[str] = []

    def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX_MESSAGES"):
            inserts.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    outbox = Outbox(engine, clock)
    assert outbox.enqueue([*mails, mails[0]], shop) == 8
    assert len(inserts) == 1
    later = [*mails[4:], *(replace(m, order_id=f"p{n}") for n, m in enumerate(mails[:2]))]
    assert outbox.enqueue(later, shop) == 2
    assert outbox.enqueue([], shop) == 0
    with engine.connect() as conn:
        stored = conn.execute(sa.select(messages.c.order_id)).scalars().all()
    assert sorted(stored) == sorted([*(f"o{n}" for n in range(8)), "p0", "p1"])


def test_a_long_list_goes_in_batches_and_a_key_repeated_across_them_is_stored_once(
    engine: sa.Engine, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connector.notify.outbox as outbox_module

    monkeypatch.setattr(outbox_module, "ENQUEUE_BATCH", 3)
    shop = sample_shop("en")
    mails = [
        replace(sample_notification("ship_soon"), order_id=f"o{n}", order_number=f"#{n}")
        for n in range(7)
    ]
    assert Outbox(engine, clock).enqueue([*mails, mails[1], mails[5]], shop) == 7
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar() == 7
