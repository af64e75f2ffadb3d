"""Server-side render time of every dashboard page, with AppTest, on ``$IROQA_HOME``'s live build.

    IROQA_HOME=... python -m tests.dashboard.render_times [--repeat 3]

"cold": every cache cleared first (the first person to open the page after a new build);
"warm": the same page again (everyone after them, until the next build). Times are the median of
``--repeat`` runs and include the sidebar filters that app.py renders before the page."""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import APP, PAGES, TEST_USER, ensure_user, signed_in


def render(page: str) -> float:
    at = AppTest.from_file(APP, default_timeout=300)
    ensure_user()
    signed_in(at, TEST_USER)
    if page == "overview":
        started = time.perf_counter()
        at.run()
    else:
        at.run()
        at.switch_page(PAGES[page][0])
        started = time.perf_counter()
        at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from dashboard import data

    build = data.live()
    if build is None:
        print("No live build: set IROQA_HOME to a built warehouse.", file=sys.stderr)
        return 1
    n = data._query(build, "select count(*) from fct_challenges").item(0, 0)
    print(f"build {build.build_id}: {n:,} challenges, as at {build.as_at}")
    print(f"{'page':<10} {'cold (s)':>9} {'warm (s)':>9}")
    for page in PAGES:
        cold, warm = [], []
        for _ in range(args.repeat):
            st.cache_data.clear()
            st.cache_resource.clear()
            render("overview")  # the entry script's own first run (sidebar), then time the page cold
            st.cache_data.clear()
            st.cache_resource.clear()
            cold.append(render(page))
            warm.append(render(page))
        print(f"{page:<10} {statistics.median(cold):>9.2f} {statistics.median(warm):>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
