"""Which teams and IRO the demo's accounts get: the ones with the most open stage 3 and 4
challenges in a live build, so the demo ASM and IRO both see cases (``iroqa users demo-accounts``)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def busiest_scope(build_file: Path) -> tuple[list[str], str | None]:
    """The two teams and the IRO worker id with the most open stage 3 and 4 challenges in the build
    (ties broken by id), read-only."""
    con = duckdb.connect(str(build_file), read_only=True)
    try:
        teams = [
            r[0]
            for r in con.sql(
                "select c.team_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
                "where c.team_id is not null group by all order by count(*) desc, c.team_id limit 2"
            ).fetchall()
        ]
        worker = con.sql(
            "select c.iro_worker_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
            "where c.iro_worker_id is not null group by all order by count(*) desc, c.iro_worker_id limit 1"
        ).fetchall()
    finally:
        con.close()
    return teams, (worker[0][0] if worker else None)
