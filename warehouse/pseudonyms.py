"""The keyed pseudonym a child is shown by outside the case timeline, and its secret key.

``pseudonym(child_id)`` is ``C-`` and 12 upper-case hex digits of SHA-256(key || child_id); the
dbt macro ``case_ref`` (dbt_project/macros/case_ref.sql) computes the same in the marts, from the
key the build passes in (warehouse/build.py). Who may see the child id instead is the access
policy's business (accounts/access.py); the key is the warehouse's, so it lives here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path

from warehouse.settings import Paths
from warehouse.settings import paths as default_paths

_KEY_CACHE: dict[Path, str] = {}


def pseudonym_key(p: Paths | None = None) -> str:
    """The warehouse's secret pseudonym key (64 hex digits), created on first use in
    ``$IROQA_HOME/auth/pseudonym.key`` (mode 0600). Back it up with ``users.json``: a new key
    gives every child a new pseudonym."""
    p = p or default_paths()
    path = p.home / "auth" / "pseudonym.key"
    if path in _KEY_CACHE:
        return _KEY_CACHE[path]
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    key = path.read_text().strip()
    if not re.fullmatch(r"[0-9a-f]{64}", key):  # a half-written key from a racing creator: re-read
        import time

        time.sleep(0.05)
        key = path.read_text().strip()
    if not re.fullmatch(r"[0-9a-f]{64}", key):
        raise RuntimeError(f"{path} is not a valid pseudonym key")
    _KEY_CACHE[path] = key
    return key


def pseudonym(child_id: str, key: str | None = None) -> str:
    """The pseudonym shown instead of a case-system child id: ``C-`` and 12 upper-case hex digits of
    SHA-256(key || child_id). Same value as ``accounts.access.Scope.child_label_sql`` computes in SQL."""
    key = key if key is not None else pseudonym_key()
    return "C-" + hashlib.sha256((key + child_id).encode()).hexdigest()[:12].upper()
