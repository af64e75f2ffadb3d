"""Text from data shown as text: the one helper that keeps names, notes and ids out of Markdown."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=\"'])")


def plain(text: object) -> str:
    """``text`` made inert for Markdown (st.markdown, st.error, ...): every ASCII punctuation mark is
    backslash-escaped, so typed text can show neither a link, an image, HTML nor formatting
    (``:red[...]``, ``$latex$``, emoji codes). The one helper for putting anything that came from
    an extract, a form, the URL or a setting (team, worker, theme and user names, notes, reasons,
    ids) into text that Streamlit reads as Markdown: titles, captions, messages, metric, tab and
    expander labels, help tooltips. Tables and ``st.text`` show text as it is and need nothing."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


__all__ = ["plain"]
