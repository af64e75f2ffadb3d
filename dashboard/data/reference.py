"""What the live build holds, for every page: its build info and as-at date, the teams, themes
and protocol stages the filters offer, and the first month with data.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.data.core import CAFCASS_LABEL, _query, as_at, cached, cached_shared, month_start
from warehouse.store import LiveBuild


@cached(max_entries=64)
def build_info(build: LiveBuild) -> dict:
    df = _query(
        build,
        "select as_at, protocol_code, protocol_name, built_at, stage_count, protocol_version_count, "
        "protocol_versions from build_info",
    )
    if df.is_empty():
        return {
            "as_at": as_at(build),
            "protocol_code": build.protocol,
            "protocol_name": build.protocol,
            "built_at": None,
            "stage_count": 0,
            "protocol_version_count": 1,
            "protocol_versions": build.protocol,
        }
    return df.row(0, named=True)


@cached_shared(max_entries=64)
def teams(build: LiveBuild) -> pl.DataFrame:
    return _query(
        build,
        "select team_id, team_name, service_name from dim_teams "
        "where team_kind = 'social_work' order by service_name, team_name",
    )


@cached_shared(max_entries=64)
def themes(build: LiveBuild) -> pl.DataFrame:
    return _query(build, "select theme_code, theme_label, theme_group from dim_themes order by theme_label")


@cached_shared(max_entries=64)
def stages(build: LiveBuild) -> pl.DataFrame:
    """The protocol's stages in order: informal, stage 1..N, then the CAFCASS step if the protocol
    has a separate one. ``stage_label`` is the report's heading ("Stage 1"..., "Contact with
    CAFCASS"; the informal tier's name for informal), ``stage_name`` who responds ("Team Manager").
    Labels come from mart_monthly_stage_counts, names from fct_stage_episodes; build_info's
    stage_count fills in stages nobody has reached yet."""
    n = int(build_info(build).get("stage_count") or 0)
    labels = _query(
        build,
        "select stage_key, any_value(stage_number) as stage_number, any_value(stage_label) as stage_label "
        "from mart_monthly_stage_counts group by stage_key",
    )
    names = _query(
        build,
        "select stage_key, any_value(stage_number) as stage_number, min(stage_name) as stage_name "
        "from fct_stage_episodes group by stage_key",
    )
    rows: dict[str, dict] = {
        "informal": {
            "stage_key": "informal",
            "stage_number": 0,
            "stage_name": "Positive Challenge",
            "stage_label": "Positive Challenge",
        },
    }
    for i in range(1, n + 1):
        rows[f"stage_{i}"] = {
            "stage_key": f"stage_{i}",
            "stage_number": i,
            "stage_name": f"Stage {i}",
            "stage_label": f"Stage {i}",
        }
    for r in labels.iter_rows(named=True):
        row = rows.setdefault(
            r["stage_key"],
            {
                "stage_key": r["stage_key"],
                "stage_number": r["stage_number"],
                "stage_name": r["stage_label"],
                "stage_label": r["stage_label"],
            },
        )
        row["stage_label"] = r["stage_label"] or row["stage_label"]
    for r in names.iter_rows(named=True):
        row = rows.setdefault(
            r["stage_key"],
            {
                "stage_key": r["stage_key"],
                "stage_number": r["stage_number"],
                "stage_name": r["stage_name"],
                "stage_label": r["stage_name"],
            },
        )
        row["stage_name"] = r["stage_name"] or row["stage_name"]
        if r["stage_key"] == "informal":
            row["stage_label"] = (
                labels.filter(pl.col("stage_key") == "informal")["stage_label"].first() or r["stage_name"]
            )
    if "cafcass" in rows and rows["cafcass"]["stage_label"] != CAFCASS_LABEL:
        rows["cafcass"]["stage_label"] = CAFCASS_LABEL
    ordered = sorted(rows.values(), key=lambda r: (r["stage_number"] is None, r["stage_number"] or 0))
    return pl.DataFrame(
        ordered,
        schema={
            "stage_key": pl.String,
            "stage_number": pl.Int32,
            "stage_name": pl.String,
            "stage_label": pl.String,
        },
    )


@cached_shared(max_entries=64)
def first_month(build: LiveBuild) -> date:
    """The first month with any activity (for the period filter's choices)."""
    df = _query(
        build,
        "select least((select min(raised_on) from fct_challenges), "
        "(select min(entered_on) from fct_stage_episodes)) as first_day",
    )
    first = df.item(0, 0) if not df.is_empty() else None
    return month_start(first) if first else month_start(as_at(build))
