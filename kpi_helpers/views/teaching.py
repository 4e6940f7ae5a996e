"""The notebooks' teaching text, in the client's language only.

The text lives in the message catalogs (area ``teach``: ``goals_intro``, ``analysis_pacing``…)
and a notebook cell shows it with ``kpi.teach("goals_intro", wb)``: a Dutch client's notebook
shows only Dutch, an English one only English. The cells carry the ``remove-from-report`` tag
(plus ``teaching``), so a client's report never contains teaching material.

Values passed as ``**fmt`` (a client's name, say) are filled in first and then the whole text is
escaped like every Markdown output (:func:`escape_markdown_html`): nothing in it becomes HTML,
a link or an image.
"""

from __future__ import annotations

from typing import Any

from kpi_helpers.i18n.formats import check_lang
from kpi_helpers.i18n.messages import text
from kpi_helpers.views.display import escape_markdown_html

AREA = "teach"


def teaching_lang(where: Any) -> str:
    """A language code from a session (its ``lang``) or a language code."""
    return check_lang(where if isinstance(where, str) else getattr(where, "lang", "en"))


def teaching_markdown(topic: str, where: Any = "en", **fmt: Any) -> str:
    """The escaped Markdown of one teaching topic in the language of ``where`` (session or code)."""
    return escape_markdown_html(text(f"{AREA}.{topic}", teaching_lang(where), **fmt))


def teach(topic: str, where: Any = "en", **fmt: Any) -> None:
    """Display one teaching topic as Markdown in the client's language (a notebook cell's output)."""
    from IPython.display import Markdown, display

    display(Markdown(teaching_markdown(topic, where, **fmt)))


__all__ = ["teach", "teaching_lang", "teaching_markdown"]
