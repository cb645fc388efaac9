"""The state database (SQLAlchemy 2 Core): SQLite by default, PostgreSQL for several daemons."""
