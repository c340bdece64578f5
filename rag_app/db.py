"""Hand a thread's database connection back while it waits on something slow."""

from __future__ import annotations

from django.db import connection


def release_connection() -> None:
    """Close this thread's connection unless a transaction needs it; the next query opens a new one.

    Many answers stream at once, each for seconds: holding a PostgreSQL connection per stream in the web
    and in the worker would need two per asker and exhaust max_connections (100 by default) at 50 askers.
    """
    if not connection.in_atomic_block:
        connection.close()
