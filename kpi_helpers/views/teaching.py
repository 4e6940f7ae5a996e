"""The notebooks' teaching text, in the client's language only.

The text lives in the message catalogs (area ``teach``: ``goals_intro``, ``analysis_pacing``…)
and a notebook cell shows it with ``kpi.teach("goals_intro", wb)``: a Dutch client's notebook
shows only Dutch, an English one only English. The cells carry the ``remove-from-report`` tag
(plus ``teaching``), so a client's report never contains teaching material, and
:func:`teach` shows nothing in a Voilà kernel (the client's live dashboard): Voilà sets
``VOILA_BASE_URL`` in the environment of every kernel it starts, also pre-heated ones.

Values passed as ``**fmt`` (a client's name, say) are filled in first and then the whole text is
escaped like every Markdown output (:func:`escape_markdown_html`): nothing in it becomes HTML,
a link or an image.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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


#: Set by Voilà in the environment of its kernels: the page is a client's dashboard.
VOILA_ENV = "VOILA_BASE_URL"


def teaching_shown(environ: Mapping[str, str] | None = None) -> bool:
    """False in a Voilà kernel (a client's dashboard shows no teaching), else True."""
    return VOILA_ENV not in (os.environ if environ is None else environ)


def teach(topic: str, where: Any = "en", **fmt: Any) -> None:
    """Display one teaching topic as Markdown in the client's language (a notebook cell's
    output); nothing on a client's Voilà dashboard (:func:`teaching_shown`)."""
    if not teaching_shown():
        return
    from IPython.display import Markdown, display

    display(Markdown(teaching_markdown(topic, where, **fmt)))


__all__ = ["teach", "teaching_lang", "teaching_markdown", "teaching_shown"]
