"""Synthetic demo data in the canonical extract layout (``ingest/schema.py``).

``generate(out_dir, scale="la")`` writes one file per entity (``teams``, ``workers``, ``children``,
``challenges``, ``challenge_events``, ``qa_grades``) that looks like what the Leicestershire Positive
Challenge / Formal Escalation protocol and the Rotherham IRO escalation report describe: an IRO and
Conference Chair service raising mostly Positive Challenges that resolve within 5 working days, some
escalating through stages 1-4 (Team Manager, Service Manager, Head of Service, Assistant Director),
a few bypassing stages, stalling without a response or breaching the 20-working-day cap, CAFCASS
referrals for looked-after children only, and QA checklist grades where "inadequate" may be recorded
as a stage 1 escalation. No real people: names come from short lists of common names.

How it is built (see ``docs/demo-data.md``):

* Everything happens on a working-day calendar (Mon-Fri): a date is an index into it, so "5 working
  days later" is ``+ 5`` and every generated date is a working day.
* Each authority is generated on its own, from its own random stream ``(seed, authority number)``,
  with authority-local integer ids; the main process turns them into global string ids and appends
  them to the output files, so memory stays flat and ids stay unique at national scale.
* Staff come from "posts" (a team's Team Manager, a social-work slot, an IRO slot...): each post is
  a chain of holders with random tenures, so there is exactly one manager per unit on every day.
  Some leavers reappear in another post (a move of team, a promotion): a second spell.
* Challenges follow a vectorised state machine: all open challenges take one step per round
  (respond / stall / withdraw, then resolve / escalate / bypass / CAFCASS), and the whole history is
  cut at ``end``, so what is in flight at ``end`` is simply still open. A few scripted cases per
  authority guarantee open stage 3 and 4 cases (some overdue) whatever the seed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np

from demo.authority import generate_authority
from demo.frames import Offsets, authority_frames
from demo.scales import SCALES, XLSX_SCALES, Scale
from demo.themes import load_themes
from demo.vocabulary import AUTH_PREFIX, AUTH_SUFFIX
from demo.workdays import Calendar
from demo.writers import ExtractWriter
from ingest import schema
from ingest.themes import THEMES_SEED

# The taxonomy the demo draws themes from (tests point it at another seed).
THEMES_CSV = THEMES_SEED


def authority_names(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 424242]))
    combos = [p + s for p in AUTH_PREFIX for s in AUTH_SUFFIX]
    order = rng.permutation(len(combos))
    names = [combos[i] for i in order]
    while len(names) < n:  # more authorities than syllable pairs: number them
        names += [f"{x} {len(names) // len(combos) + 1}" for x in combos]
    return names[:n]


def generate(
    out_dir: Path,
    scale: str = "la",
    seed: int = 7,
    end: date | None = None,
    years: int | None = None,
    fmt: str = "csv",
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write synthetic extracts in the canonical layout to ``out_dir``; return rows per entity.

    scale: ``tiny`` (a few dozen challenges, for tests), ``la`` (one authority, ~6 years),
    ``region`` (10 authorities), ``national`` (150 authorities, millions of events).
    The output depends only on (scale, seed, end, years). ``end`` defaults to today; nothing is
    dated after it. ``fmt`` is ``csv`` (any scale) or ``xlsx`` (one workbook per entity, sheet named
    after the entity; tiny and la only). ``progress(line)`` gets a one-line status after each
    authority (the project's progress convention, as in ``ingest_paths``).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}; choose csv or xlsx")
    if fmt == "xlsx" and scale not in XLSX_SCALES:
        raise ValueError(
            f"xlsx output is only offered up to scale 'la' ({scale!r} would exceed what a workbook "
            "is fit for: sheets stop at 1,048,576 rows and xlsxwriter holds them in memory); use csv"
        )
    spec = SCALES[scale]
    years = spec.years if years is None else int(years)
    if years < 1:
        raise ValueError("years must be at least 1")
    end = end or date.today()
    cal = Calendar.build(end, years)
    themes = load_themes(THEMES_CSV)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    n_auth = spec.authorities
    size_rng = np.random.default_rng(np.random.SeedSequence([seed, 999_983]))
    sizes = (
        spec.size * np.clip(size_rng.lognormal(0.0, spec.size_spread, n_auth), 0.3, 3.0)
        if spec.size_spread
        else np.full(n_auth, spec.size)
    )
    names = authority_names(n_auth, seed) if n_auth > 1 else [""]
    suffixes = [f" ({n})" if n else "" for n in names]
    tasks = [(a, seed, float(sizes[a]), suffixes[a], cal, themes) for a in range(n_auth)]

    counts = {name: 0 for name in schema.LOAD_ORDER}
    off = Offsets()
    with ExtractWriter(out_dir, fmt) as writer:
        for done, res in enumerate(_run(tasks), start=1):
            frames = authority_frames(res, off, spec, cal, themes)
            for name, df in frames.items():
                counts[name] += df.height
            writer.add(frames)
            if progress:
                progress(
                    f"demo: authority {done}/{n_auth} written ({counts['challenges']:,} challenges, "
                    f"{counts['challenge_events']:,} events so far)"
                )
        writer.finish()
    return counts


def _run(tasks: list[tuple]):
    """Authorities in order; in two worker processes when there are many, with at most a few
    results in flight so memory stays flat (the output does not depend on the process count)."""
    workers = max(1, min(2, os.cpu_count() or 1))
    if len(tasks) < 4 or workers == 1:
        for t in tasks:
            yield generate_authority(t)
        return
    # fork where there is one: spawn would re-run a caller's script that has no __main__ guard.
    # The workers only use numpy (never polars), so forking a process running polars threads is safe.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
        pending: deque = deque()
        it = iter(tasks)
        for t in it:
            pending.append(pool.submit(generate_authority, t))
            if len(pending) >= 2 * workers:
                break
        while pending:
            res = pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(generate_authority, nxt))
            yield res


__all__ = ["SCALES", "THEMES_CSV", "Scale", "authority_names", "generate", "load_themes"]
