"""Saving one app event from a page: audited first, then written (ADR 0003: nothing is written that
has no record of who wrote it). The log form, the good-practice page and any new form save through
:func:`save_audited`, so the order and the messages are the same everywhere."""

from __future__ import annotations

import streamlit as st

from accounts import audit
from dashboard import auth, ui
from warehouse.events import AppEvent, EventError, read_event, write_event

AUDIT_DOWN = (
    "Not saved: IRO QA cannot write its audit log just now, and nothing is saved without a record of "
    "who saved it. Try again in a moment; if it keeps failing, tell your IRO QA administrator."
)


def save_audited(user, fields: dict, detail: dict, *, what: str = "event") -> AppEvent | None:
    """Audit ``detail`` as a write by ``user``, then write ``fields`` as one event. A repeated click
    on an event already saved (same event id) is not audited twice. On a failure the page shows why
    (plain text: it may quote what was typed) and None comes back: nothing was written."""
    if read_event(fields["event_id"]) is None:
        try:
            auth.record(user, "write", detail)
        except audit.AuditError:
            st.error(AUDIT_DOWN, icon=":material/error:")
            return None
    try:
        return write_event(fields)
    except EventError as exc:
        st.error(ui.plain(f"Not saved: {exc.reason} ({exc.field})."), icon=":material/error:")
    except OSError as exc:
        st.error(ui.plain(f"Not saved: the {what} could not be written ({exc.strerror or exc}). Try again."))
    return None
