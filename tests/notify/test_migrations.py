"""The outbox migrations on a database that was migrated before the claim token existed."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from connector.db.migrations import m0100_outbox, m0101_outbox_claims


def test_m0101_adds_the_claim_token_to_an_older_outbox_and_can_run_twice(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        m0100_outbox.upgrade(conn)
        conn.execute(sa.text("ALTER TABLE outbox_messages DROP COLUMN claim_token"))
    for _ in range(2):
        with engine.begin() as conn:
            m0101_outbox_claims.upgrade(conn)
    inspector = sa.inspect(engine)
    assert "claim_token" in {c["name"] for c in inspector.get_columns("outbox_messages")}
    assert "outbox_delivery_state" in inspector.get_table_names()
    engine.dispose()
