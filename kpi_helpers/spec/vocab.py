"""The words every module agrees on, as enums (StrEnum: a member equals its string, so params files,
summary.json and catalog.yaml keep their plain values)."""

from __future__ import annotations

from enum import StrEnum


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Status(StrEnum):
    """A goal's pacing status."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    #: The goal's window starts after the as-of date: planned, not judged (no forecast, alert or finding).
    NOT_STARTED = "not_started"


class KpiType(StrEnum):
    SUM = "sum"
    RATIO = "ratio"
    GROWTH = "growth"


class Unit(StrEnum):
    COUNT = "count"
    CURRENCY = "currency"
    PERCENT = "percent"
    RATIO = "ratio"
    MINUTES = "minutes"
    DAYS = "days"


class Language(StrEnum):
    NL = "nl"
    EN = "en"


class Dimension(StrEnum):
    CHANNEL = "channel"
    CAMPAIGN = "campaign"
    COUPON = "coupon"
    PRODUCT = "product"


# The tuples modules iterate over, in their canonical order (one definition each).
GRAINS: tuple[str, ...] = tuple(Grain)
STATUSES: tuple[str, ...] = tuple(Status)
KPI_TYPES: tuple[str, ...] = tuple(KpiType)
UNITS: tuple[str, ...] = tuple(Unit)
LANGUAGES: tuple[str, ...] = tuple(Language)
DIMENSIONS: tuple[str, ...] = tuple(Dimension)
