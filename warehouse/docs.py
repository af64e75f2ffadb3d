"""``make docs``: the dbt documentation as one static HTML file, generated offline.

dbt's catalog step needs a database to describe. It must not open the live build (dashboards hold
it read-only), so it describes a private copy of it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from warehouse import settings
from warehouse.build import dbt_env, dbt_executable
from warehouse.store import read_live

OUT = settings.REPO_ROOT / "docs" / "dbt" / "index.html"
#: A stand-in for the pseudonym key (macros/case_ref.sql), which the compiled SQL would otherwise show.
DOCS_PSEUDONYM_KEY = "0" * 64


def main() -> int:
    p = settings.paths()
    live = read_live(p)
    if live is None:
        print("No live build to document yet: run `make data build` first.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "docs.duckdb"
        shutil.copyfile(live.file, copy)
        cmd = [
            dbt_executable(),
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(settings.DBT_PROJECT_DIR),
            "--profiles-dir",
            str(settings.DBT_PROJECT_DIR),
            "--target-path",
            str(Path(tmp) / "target"),
            "--log-path",
            str(Path(tmp) / "logs"),
            "--vars",
            f'{{"as_at": "{live.as_at}", "protocol": "{live.protocol}"}}',
        ]
        # the static page embeds every model's compiled SQL: never the real pseudonym key in it
        env = dbt_env(p, copy) | {"IROQA_PSEUDONYM_KEY": DOCS_PSEUDONYM_KEY}
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
        if proc.returncode != 0:
            print(proc.stdout[-3000:] + proc.stderr[-3000:], file=sys.stderr)
            return 1
        OUT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "target" / "static_index.html", OUT)
    print(f"dbt docs written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
