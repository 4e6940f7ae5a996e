"""Message catalogs: every user-facing text, one YAML file per language (``nl.yaml``, ``en.yaml``).

A catalog maps an *area* (a module or topic: ``goal_views``, ``pair_views``, ``teach``…) to its
keys, so a message is named ``area.key``::

    text("goal_views.no_goals", "nl")            # 'Deze klant heeft nog geen doelen …'
    text("pair_views.n_kpis", "en", n=3)          # '3 KPIs selected (advice: 2–3 per domain)'
    table("formats")["on_track"]["nl"]            # 'op koers' (the {key: {lang: text}} shape)

Placeholders use ``str.format`` (``{n}``); tests check every key exists in every language with
the same placeholders. Adding a language = adding ``<code>.yaml`` here (plus its enum member in
``spec.vocab.Language`` and its Babel locale in ``formats.LOCALES``). The catalogs are
package data read with :mod:`importlib.resources`, so an installed wheel has them.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kpi_helpers.spec.vocab import LANGUAGES


class MessageError(KeyError):
    """A message key that no catalog has (a programming error, not a user mistake)."""


def _catalog_files() -> dict[str, Any]:
    root = resources.files("kpi_helpers.i18n")
    return {
        entry.name.removesuffix(".yaml"): entry
        for entry in root.iterdir()
        if entry.name.endswith(".yaml") and entry.is_file()
    }


def catalog_languages() -> tuple[str, ...]:
    """The languages that have a catalog file, sorted."""
    return tuple(sorted(_catalog_files()))


@cache
def catalog(lang: str) -> dict[str, dict[str, str]]:
    """The catalog of one language as ``{area: {key: text}}`` (read once, then cached)."""
    files = _catalog_files()
    if lang not in files:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    data = yaml.safe_load(files[lang].read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"kpi_helpers/i18n/{lang}.yaml: expected areas mapping keys to texts")
    return {
        str(area): {("" if k is None else str(k)): str(v) for k, v in entries.items()} for area, entries in data.items()
    }


def flat(lang: str) -> dict[str, str]:
    """All messages of a language as ``{"area.key": text}``."""
    return {f"{area}.{key}": value for area, entries in catalog(lang).items() for key, value in entries.items()}


def _split(key: str) -> tuple[str, str]:
    area, sep, name = key.partition(".")
    if not sep:
        raise MessageError(f"message key {key!r} has no area (expected 'area.key')")
    return area, name


def has(key: str, lang: str = "en") -> bool:
    area, name = _split(key)
    return name in catalog(lang).get(area, {})


def text(key: str, lang: str, /, **fmt: Any) -> str:
    """The message ``area.key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``
    (only when ``fmt`` is given, so a literal ``{`` in a message without arguments is kept)."""
    area, name = _split(key)
    try:
        message = catalog(lang)[area][name]
    except KeyError:
        raise MessageError(f"no message {key!r} in kpi_helpers/i18n/{lang}.yaml") from None
    return message.format(**fmt) if fmt else message


def per_language(key: str, /, **values: Any) -> dict[str, str]:
    """The message ``area.key`` in every language as ``{lang: text}``; a value given as
    ``{lang: value}`` is filled in per language, any other value as it is. The keys are plain
    strings (not ``Language`` members), so the dict prints and dumps like a literal one."""
    return {
        str(lang): text(key, lang, **{k: v[lang] if isinstance(v, dict) else v for k, v in values.items()})
        for lang in LANGUAGES
    }


def table(area: str) -> dict[str, dict[str, str]]:
    """One area of every language as ``{key: {lang: text}}`` (the shape the views' label tables
    had before the catalogs; a fresh dict, so callers may not change the catalogs)."""
    langs = catalog_languages()
    keys: dict[str, None] = {}
    for lang in langs:
        keys.update(dict.fromkeys(catalog(lang).get(area, {})))
    if not keys:
        raise MessageError(f"no area {area!r} in the message catalogs")
    return {
        key: {lang: catalog(lang)[area][key] for lang in langs if key in catalog(lang).get(area, {})} for key in keys
    }


def placeholders(message: str) -> set[str]:
    """The ``{names}`` a message expects."""
    return {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}


__all__ = [
    "MessageError",
    "catalog",
    "catalog_languages",
    "flat",
    "has",
    "per_language",
    "placeholders",
    "table",
    "text",
]
