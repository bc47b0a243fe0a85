"""Device storage: SQLite through SQLAlchemy 2, one module per concern."""
from kiosk.storage.base import Base
from kiosk.storage.engine import open_database, Database

__all__ = ["Base", "Database", "open_database"]
