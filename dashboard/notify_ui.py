"""The case timeline's list of notifications (notify/): every email the outbox holds for the
challenge, to whom, its state and when it went. Names and stages only, shown in a table (escaped)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from notify import responses
from warehouse import settings


def notifications_sent(challenge_id: str) -> None:
    rows = responses.sent_for_challenge(settings.paths(), challenge_id)
    st.subheader("Notifications")
    if not rows:
        st.caption("No emails about this challenge (notifications may be off, or it predates them).")
        return
    table = pl.DataFrame(rows).select(
        pl.coalesce("sent_at", "created_at").str.slice(0, 16).str.replace("T", " ").alias("When (UTC)"),
        pl.col("kind").str.replace_all("_", " ").alias("About"),
        pl.col("stage_label").alias("Stage"),
        pl.col("recipient_name").alias("To"),
        pl.col("state").alias("State"),
        pl.col("reason").alias("Why not sent"),
    )
    st.dataframe(table, hide_index=True, width="stretch", key="case_notifications")


def case_from_digest_link(build, digest_item_id: str | None) -> str | None:
    """The challenge a weekly digest's link (``?d=``) points at, or None (unknown link)."""
    if not digest_item_id or build is None:
        return None
    item = responses.digest_item(build, digest_item_id)
    return item["challenge_id"] if item else None
