"""What the PostgreSQL benchmarks that build their own database share (bench/dashboard.py, bench/inbox.py)."""
from __future__ import annotations

import time


def recreate_database(url: str) -> None:
    """Drop and create the database named at the end of `url`, through the server's `postgres` database."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def vacuum_analyze() -> None:
    """Fresh statistics and visibility map after a bulk load (outside any transaction)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  {'vacuum analyze':<16} {'':>9}      in {time.perf_counter() - started:5.1f} s")
