"""A second real PostgreSQL session on the test database, for tests of locks and concurrent writers."""
from __future__ import annotations

import psycopg
from django.db import connection


def second_connection(*, autocommit: bool = False) -> psycopg.Connection:
    """Another real session on the test database, as a second process would hold (PostgreSQL)."""
    params = connection.get_connection_params() | {"cursor_factory": psycopg.Cursor}
    return psycopg.connect(**params, autocommit=autocommit)
