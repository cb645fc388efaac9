"""Schema migrations, run on start in VERSION order, each once.

One module per migration, named ``mNNNN_what.py``, defining ``VERSION: int``, ``DESCRIPTION: str`` and
``upgrade(conn: sqlalchemy.Connection) -> None``. Version ranges by owner, so work in parallel never
collides: 1-99 core state (connector.db), 100-199 outbox (connector.notify), 200-299 daemon (leases,
webhook deliveries), 300-399 engine. A migration never drops data; the runner records each version in
``schema_version`` in the same transaction as the change.
"""
