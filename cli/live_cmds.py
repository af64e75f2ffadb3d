"""``iroqa query`` and ``iroqa status``: read the live build and the warehouse home (warehouse.store,
warehouse.live)."""

from __future__ import annotations

import argparse
import sys

from cli.common import first_line
from warehouse import csvsafe, settings


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.store import NoLiveBuild, connect_live

    try:
        _, con = connect_live()
    except NoLiveBuild as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        cur = con.execute(args.sql)
    except duckdb.Error as exc:
        con.close()
        print(f"Query failed: {exc}", file=sys.stderr)
        return 1
    if cur.description:
        csvsafe.write_rows(
            sys.stdout, [d[0] for d in cur.description], iter(lambda: cur.fetchmany(10_000), [])
        )
    con.close()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse.events import event_files
    from warehouse.live import rebuild_status
    from warehouse.store import live_problem, read_live

    p = settings.paths()
    live = read_live(p)
    print(f"warehouse home : {p.home}")
    print(f"raw store      : {p.raw_db} ({'present' if p.raw_db.exists() else 'missing'})")
    events = len(event_files(p)) if p.events_dir.exists() else 0
    print(f"app events     : {events}")
    if live:
        print(
            f"live build     : {live.build_id} as at {live.as_at}, protocol {live.protocol}, "
            f"built {live.built_at} in {live.seconds}s"
        )
    else:
        print("live build     : none yet (run `iroqa build`)")
    problem = live_problem(p)
    status = rebuild_status(p)
    if status.last_error and status.consecutive_failures:
        print(f"latest update  : FAILED at {status.last_failure_at}: {first_line(status.last_error)}")
    if problem:
        print(f"live build     : DAMAGED: {problem}; the next build replaces it (run `iroqa build`)")
        return 1
    return 0


def add_query_parser(sub) -> None:
    q = sub.add_parser(
        "query",
        help="run read-only SQL against the live marts, print CSV",
        description="Run one read-only SQL statement against the live build and print "
        'CSV, e.g. iroqa query "select count(*) from fct_challenges"',
    )
    q.add_argument("sql", help="the SQL statement")
    q.set_defaults(func=cmd_query)


def add_status_parser(sub) -> None:
    st = sub.add_parser("status", help="show the warehouse home, raw store and live build")
    st.set_defaults(func=cmd_status)
