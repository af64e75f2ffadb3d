"""The dbt-duckdb plugin that gives a build the pseudonym key without putting it in any SQL text.

``profiles.yml`` loads this module as a plugin; dbt-duckdb calls :meth:`Plugin.configure_connection`
on the build's DuckDB connection, and this attaches an in-memory database ``iroqa_secret`` (never a
file: nothing of it reaches the build) holding the key in table ``pseudonym``, inserted as a query
parameter. ``macros/case_ref.sql`` reads it with ``(select key from iroqa_secret.pseudonym)``, so the
compiled SQL, ``manifest.json``, ``run_results.json`` and dbt's log hold that name, never the key
(issue 10); the result is the same as before: ``'C-' || upper(left(sha256(key || child_id), 12))``
(warehouse.pseudonyms.pseudonym). An attached database is seen by every cursor of the connection
(dbt-duckdb runs each thread on a cursor), unlike a session variable or a temporary table.

The key is read from the file named by ``IROQA_PSEUDONYM_KEY_FILE`` (warehouse/build.py: dbt_env
sets it to ``$IROQA_HOME/auth/pseudonym.key``), or, by hand, from ``IROQA_PSEUDONYM_KEY``. Without
a valid key (64 lower-case hex digits) the build fails: an unkeyed pseudonym can be reversed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

CATALOG = "iroqa_secret"


def provide_key(conn, key: str) -> None:
    """Attach the in-memory ``iroqa_secret`` database holding ``key`` to a DuckDB connection."""
    conn.execute("attach ':memory:' as iroqa_secret")
    conn.execute("create table iroqa_secret.pseudonym (key varchar not null)")
    conn.execute("insert into iroqa_secret.pseudonym values (?)", [key])


class PseudonymKeyError(RuntimeError):
    pass


def read_key() -> str:
    key = os.environ.get("IROQA_PSEUDONYM_KEY", "").strip()
    where = "IROQA_PSEUDONYM_KEY"
    if not key and os.environ.get("IROQA_PSEUDONYM_KEY_FILE"):
        path = Path(os.environ["IROQA_PSEUDONYM_KEY_FILE"])
        where = str(path)
        try:
            key = path.read_text().strip()
        except OSError as exc:
            raise PseudonymKeyError(f"the pseudonym key file {path} cannot be read: {exc.strerror}") from None
    if not key:
        raise PseudonymKeyError(
            "IROQA_PSEUDONYM_KEY is not set (nor IROQA_PSEUDONYM_KEY_FILE): case_ref needs the warehouse's key. Build with `iroqa build`, or by hand "
            'export IROQA_PSEUDONYM_KEY_FILE="$IROQA_HOME/auth/pseudonym.key" (docs/access.md).'
        )
    if not re.fullmatch(r"[0-9a-f]{64}", key):
        raise PseudonymKeyError(
            f"{where} is not 64 lower-case hex digits: case_ref needs the warehouse's key"
        )
    return key


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        provide_key(conn, read_key())
