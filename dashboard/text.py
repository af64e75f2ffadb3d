"""Text from data shown as text: the one helper that keeps names, notes and ids out of Markdown."""

from __future__ import annotations

import re

# What Markdown (CommonMark, GFM and Streamlit's additions) could read as more than text: escapes,
# code, emphasis, links and images ([ ]), HTML (< >), headings (#), tables (|), strikethrough (~),
# LaTeX ($), entities (&), directives, icons and emoji (:red[...], :material/x:, :smile:: a colon
# before a letter).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$&]|:(?=[A-Za-z]))")
# GFM's bare-URL links ("http://...", "www....", "name@host.org") are found in the text after
# escapes are undone, so a backslash cannot stop them: a word joiner (U+2060, invisible) is put
# inside each, which the link finder does not cross.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)(?=[\w-])|(?<=mailto:)|(?<=xmpp:)")
WORD_JOINER = "\u2060"
# A list item or a heading where the text starts: "- x", "+ x", "1. x", "1) x".
_LEADING = re.compile(r"^(\s*\d*)([-+.)])")


def plain(text: object) -> str:
    """``text`` made inert for Markdown (st.markdown, st.error, ...): every character that Markdown
    or Streamlit could read as formatting is backslash-escaped, and line breaks become spaces, so
    typed text can show neither a link, an image, HTML, a heading, a list nor formatting
    (``:red[...]``, ``$latex$``, emoji and icon codes) or a bare web or e-mail address as a link,
    while ordinary punctuation reads as typed.
    The one helper for putting anything that came from an extract, a form, the URL or a setting
    (team, worker, theme and user names, notes, reasons, ids) into text that Streamlit reads as
    Markdown: titles, captions, messages, metric, tab and expander labels, help tooltips. Tables and
    ``st.text`` show text as it is and need nothing."""
    text = _AUTOLINK.sub(WORD_JOINER, " ".join(str(text).splitlines()))
    return _LEADING.sub(r"\1\\\2", _MD_SPECIAL.sub(r"\\\1", text), count=1)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``n`` and the word for it, singular for exactly one: '1 record', '2 records', '1,204 records'
    (``words`` where adding an s is wrong)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def working_days(n: int | None) -> str:
    """'1 working day', '11 working days': the one wording of a count of working days (the meeting
    list, the meeting pack, the timeline). ``None`` counts as 0."""
    return plural(int(n or 0), "working day")


__all__ = ["plain", "plural", "working_days"]
