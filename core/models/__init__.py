"""The database tables (SQLAlchemy 2.0, typed), one module per domain; `schema` registers them all on one metadata."""
