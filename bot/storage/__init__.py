"""Storage: SQLAlchemy models, small repository functions, keys and migrations."""
