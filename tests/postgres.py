"""The test database for other real sessions: a second connection (locks, concurrent writers) or another
process (a Celery worker, a command killed mid-way), which reach it through DATABASE_URL."""
from __future__ import annotations

import psycopg
from django.db import connection


def second_connection(*, autocommit: bool = False) -> psycopg.Connection:
    """Another real session on the test database, as a second process would hold (PostgreSQL)."""
    params = connection.get_connection_params() | {"cursor_factory": psycopg.Cursor}
    return psycopg.connect(**params, autocommit=autocommit)


def database_url() -> str:
    """DATABASE_URL of the test database, for a process started by the test."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
