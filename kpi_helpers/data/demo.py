"""Deterministic demo data for three demo clients (`python -m kpi_helpers.data.demo` rewrites demo_data/).

Every client has daily data from 2024-01-01 to 2026-09-30, so goals for 2026 are mid-flight
and reports are "as of" 2026-09-30 (the last data date, never today's date). The numbers are
invented but shaped like real businesses: a trend, a weekly pattern, quiet and peak months,
channels, paid campaigns with ad spend, and coupon codes.

* ``webshop``  – "Demo Webshop", a Dutch online shop: daily aggregates by date x channel x
  campaign x coupon (English column names, ISO dates, '.' decimal). Peaks in Nov/Dec, quiet in Feb.
  Revenue grows ~15 %/year; the repeat-purchase share slides in 2026.
* ``b2b``      – "Demo Adviesbureau", a B2B service firm: leads -> intro calls -> quotes -> new
  customers. Quiet in July/August and the last two weeks of December. GOODHART: from 2026-03-01 a
  paid-social "leadgen" campaign makes leads rise strongly while leads of that campaign hardly
  convert and sales, swamped, converts fewer of the other leads: more leads, worse leads.
* ``newsletter`` – "Demo Nieuwsbriefwinkel", a bakery with a webshop and a newsletter. Two sources:
  ``newsletter_orders`` raw order lines as a Dutch CSV export (';' separator, ',' decimal,
  dd-mm-yyyy dates, Dutch column names), and ``newsletter_email`` daily newsletter stats.
  The list grows, but the open rate slowly declines (list fatigue).

Files are gzip-compressed CSV written with a fixed gzip header (mtime 0), so regenerating gives
identical bytes. Each client uses its own fixed seed.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
START = "2024-01-01"
END = "2026-09-30"
SEEDS = {"webshop": 20240101, "b2b": 20240102, "newsletter": 20240103}


@dataclass(frozen=True)
class DemoSource:
    """How to read one bundled demo file: `demo:<name>` in a params file maps here."""

    name: str
    file: str
    shape: str = "daily"
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    separator: str = ","
    decimal: str = "."
    description: str = ""

    @property
    def path(self) -> Path:
        return DEMO_DIR / self.file


DEMO_SOURCES: dict[str, DemoSource] = {
    "webshop": DemoSource(
        "webshop", "webshop_daily.csv.gz", description="Demo Webshop, daily by channel x campaign x coupon"
    ),
    "b2b": DemoSource("b2b", "b2b_daily.csv.gz", description="Demo Adviesbureau, daily by channel x campaign"),
    "newsletter_orders": DemoSource(
        "newsletter_orders",
        "newsletter_orders.csv.gz",
        shape="orders",
        columns={
            "date": "Datum",
            "order_id": "Ordernummer",
            "customer_id": "Klantnummer",
            "revenue": "Omzet",
            "quantity": "Aantal",
            "channel": "Kanaal",
            "coupon": "Kortingscode",
            "product": "Product",
        },
        date_format="%d-%m-%Y",
        separator=";",
        decimal=",",
        description="Demo Nieuwsbriefwinkel, order lines (Dutch webshop export)",
    ),
    "newsletter_email": DemoSource(
        "newsletter_email", "newsletter_email.csv.gz", description="Demo Nieuwsbriefwinkel, daily newsletter stats"
    ),
}


# `demo:<group>` reads several demo sources at once (the newsletter client has two shapes).
DEMO_GROUPS: dict[str, tuple[str, ...]] = {"newsletter": ("newsletter_orders", "newsletter_email")}


def demo_source(name: str) -> DemoSource:
    """The bundled demo source called `name` (KeyError lists the known names)."""
    try:
        return DEMO_SOURCES[name]
    except KeyError:
        raise KeyError(
            f"unknown demo data 'demo:{name}'; available: {', '.join('demo:' + n for n in DEMO_SOURCES)}"
        ) from None


# ---------------------------------------------------------------- shared shapes


def _dates() -> pd.DatetimeIndex:
    return pd.date_range(START, END, freq="D")


def _yearly(dates: pd.DatetimeIndex, month_factors: list[float]) -> np.ndarray:
    """Smooth yearly seasonality: month factors anchored mid-month, linearly interpolated."""
    doy = dates.day_of_year.to_numpy().astype(float)
    anchors = np.array([15.5 + 30.4 * m for m in range(12)])
    xs = np.concatenate([anchors - 365.0, anchors, anchors + 365.0])
    ys = np.tile(np.asarray(month_factors, dtype=float), 3)
    return np.interp(doy, xs, ys)


def _weekly(dates: pd.DatetimeIndex, day_factors: list[float]) -> np.ndarray:
    """Weekly pattern, Monday first."""
    return np.asarray(day_factors, dtype=float)[dates.day_of_week.to_numpy()]


def _trend(dates: pd.DatetimeIndex, per_year: float) -> np.ndarray:
    years = (dates - dates[0]).days.to_numpy() / 365.25
    return (1.0 + per_year) ** years


def _write_csv_gz(frame: pd.DataFrame, path: Path, **to_csv: object) -> None:
    """gzip with mtime=0 and no file name in the header: identical input gives identical bytes."""
    text = frame.to_csv(index=False, lineterminator="\n", **to_csv)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


# ---------------------------------------------------------------- webshop

# (channel, campaign, sessions/day, conversion, share of new customers, cost per click or None)
_WEBSHOP_ROWS = [
    ("organic_search", "", 900, 0.020, 0.55, None),
    ("paid_search", "brand", 250, 0.034, 0.35, 0.35),
    ("paid_search", "generic", 420, 0.016, 0.70, 0.85),
    ("social", "", 150, 0.008, 0.60, None),
    ("social", "retargeting", 200, 0.013, 0.30, 0.55),
    ("email", "newsletter", 180, 0.042, 0.08, None),
    ("referral", "", 120, 0.022, 0.60, None),
    ("direct", "", 520, 0.028, 0.35, None),
]
_WEBSHOP_MONTHS = [0.92, 0.74, 0.88, 0.95, 1.0, 0.95, 0.88, 0.90, 1.0, 1.06, 1.42, 1.55]
_WEBSHOP_WEEK = [1.06, 1.02, 1.0, 0.98, 0.90, 0.84, 1.18]


def webshop_frame(seed: int = SEEDS["webshop"]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = _dates()
    n = len(dates)
    season = _yearly(dates, _WEBSHOP_MONTHS) * _weekly(dates, _WEBSHOP_WEEK)
    trend = _trend(dates, 0.15)
    black_friday = np.zeros(n, dtype=bool)
    for _year, bf in ((2024, "2024-11-29"), (2025, "2025-11-28")):
        day = pd.Timestamp(bf)
        black_friday |= (dates >= day - pd.Timedelta(days=6)) & (dates <= day + pd.Timedelta(days=3))
    december = dates.month == 12
    # Repeat share of orders slides from mid-2025 (the goal says it should go up).
    years = (dates - dates[0]).days.to_numpy() / 365.25
    loyalty = np.where(years < 1.5, 1.0, 1.0 - 0.22 * (years - 1.5))
    aov_season = np.where(december, 1.12, 1.0) * np.where(black_friday, 0.9, 1.0)

    # email list: two sends a week (Tuesday, Friday); list grows with signups minus unsubscribes
    subs_new = rng.poisson(22 * trend * _yearly(dates, _WEBSHOP_MONTHS))
    unsubs = rng.poisson(7 * trend)
    list_size = 9000 + np.cumsum(subs_new - unsubs)
    send = np.isin(dates.day_of_week.to_numpy(), [1, 4])
    delivered = np.where(send, np.round(list_size * 0.985), 0).astype(np.int64)
    open_rate = 0.36 - 0.01 * years
    opened = rng.binomial(delivered, np.clip(open_rate, 0.05, 0.9))
    clicked = rng.binomial(opened, 0.11)

    parts = []
    rows = list(_WEBSHOP_ROWS) + [("paid_search", "black_friday", 0, 0.045, 0.55, 0.60)]
    for channel, campaign, base, conv, new_share, cpc in rows:
        if campaign == "black_friday":
            lam = np.where(black_friday, 1400.0, 0.0) * trend
        else:
            lam = base * season * trend
            if channel == "email":
                lam = lam * np.where(send, 2.4, 0.35)
        sessions = rng.poisson(lam)
        active = sessions > 0
        c = conv * np.where(black_friday, 1.5, 1.0)
        orders = rng.binomial(sessions, np.clip(c, 0, 1))
        customers = orders - rng.binomial(orders, 0.03)
        new_p = np.clip(new_share * (2 - loyalty) ** 1.2, 0, 0.97)
        new_customers = rng.binomial(customers, new_p)
        returning = customers - new_customers
        repeat_orders = orders - new_customers
        units = orders + rng.poisson(orders * 1.1)
        aov = 61.0 * aov_season * (1 + 0.02 * years)
        revenue = np.round(orders * aov * rng.gamma(60, 1 / 60, n), 2)
        if cpc is not None:
            clicks = np.round(sessions * 1.07).astype(np.int64)
            impressions = np.round(clicks / (0.045 if channel == "paid_search" else 0.009)).astype(np.int64)
            spend = np.round(clicks * cpc * rng.gamma(40, 1 / 40, n) * (1 + 0.06 * years), 2)
        else:
            clicks = impressions = np.zeros(n, dtype=np.int64)
            spend = np.zeros(n)
        organic = rng.binomial(sessions, 0.82) if channel == "organic_search" else np.zeros(n, dtype=np.int64)
        accounts = rng.binomial(orders, 0.35) + rng.poisson(sessions * 0.002)
        followers = rng.poisson(sessions * 0.03) if channel == "social" else np.zeros(n, dtype=np.int64)
        is_email = channel == "email"
        frame = pd.DataFrame(
            {
                "date": dates.strftime("%Y-%m-%d"),
                "channel": channel,
                "campaign": campaign,
                "coupon": "",
                "sessions": sessions,
                "organic_visitors": organic,
                "orders": orders,
                "revenue": revenue,
                "customers": customers,
                "new_customers": new_customers,
                "returning_customers": returning,
                "repeat_orders": repeat_orders,
                "units_sold": units,
                "ad_impressions": impressions,
                "ad_clicks": clicks,
                "ad_spend": spend,
                "accounts_created": accounts,
                "new_followers": followers,
                "subscribers_new": subs_new if is_email else 0,
                "unsubscribes": unsubs if is_email else 0,
                "emails_delivered": delivered if is_email else 0,
                "emails_opened": opened if is_email else 0,
                "email_clicks": clicked if is_email else 0,
            }
        )
        if campaign == "black_friday":
            frame = frame[active]
        # coupon orders are split off into their own rows (order measures only)
        coupon_share = 0.0
        code = ""
        if channel == "email":
            coupon_share, code = 0.25, "NIEUWSBRIEF10"
        elif channel == "social" and campaign == "retargeting":
            coupon_share, code = 0.15, "WELKOM10"
        elif campaign == "black_friday":
            coupon_share, code = 0.6, "BLACKFRIDAY"
        if coupon_share:
            order_cols = ["orders", "customers", "new_customers", "returning_customers", "repeat_orders", "units_sold"]
            k = rng.binomial(frame["orders"].to_numpy(), coupon_share)
            frac = np.divide(
                k, frame["orders"].to_numpy(), out=np.zeros(len(frame)), where=frame["orders"].to_numpy() > 0
            )
            coupon_rows = frame.copy()
            for col in order_cols:
                moved = np.minimum(np.round(frame[col].to_numpy() * frac).astype(np.int64), frame[col].to_numpy())
                coupon_rows[col] = moved
                frame[col] = frame[col].to_numpy() - moved
            moved_rev = np.round(frame["revenue"].to_numpy() * frac * 0.9, 2)  # 10 % discount
            coupon_rows["revenue"] = moved_rev
            frame["revenue"] = np.round(frame["revenue"].to_numpy() * (1 - frac), 2)
            coupon_rows["coupon"] = code
            for col in frame.columns:
                if col not in order_cols + ["date", "channel", "campaign", "coupon", "revenue"]:
                    coupon_rows[col] = 0
            if campaign == "black_friday":
                frame["coupon"] = ""
            parts.append(coupon_rows[coupon_rows["orders"] > 0])
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["date", "channel", "campaign", "coupon"], kind="stable").reset_index(drop=True)
    return out


# ---------------------------------------------------------------- b2b

# (channel, campaign, sessions/day, lead rate per session, cost per click or None)
_B2B_ROWS = [
    ("organic_search", "", 160, 0.020, None),
    ("paid_search", "brand", 40, 0.030, 1.10),
    ("paid_search", "services", 70, 0.018, 3.20),
    ("social", "", 45, 0.010, None),
    ("email", "newsletter", 25, 0.030, None),
    ("referral", "", 30, 0.060, None),
    ("direct", "", 90, 0.025, None),
]
_B2B_MONTHS = [1.05, 1.0, 1.1, 1.0, 1.0, 0.95, 0.55, 0.6, 1.1, 1.1, 1.05, 0.85]
_B2B_WEEK = [1.12, 1.08, 1.05, 1.0, 0.85, 0.22, 0.18]
LEADGEN_START = "2026-03-01"


def b2b_frame(seed: int = SEEDS["b2b"]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = _dates()
    n = len(dates)
    md = dates.strftime("%m-%d").to_numpy()
    holidays = np.where((md >= "12-20") | (md <= "01-02"), 0.35, 1.0)
    season = _yearly(dates, _B2B_MONTHS) * _weekly(dates, _B2B_WEEK) * holidays
    trend = _trend(dates, 0.08)
    leadgen_on = dates >= pd.Timestamp(LEADGEN_START)
    # Sales capacity: once the lead-gen campaign floods the pipeline, the other leads get less attention.
    swamped = np.where(leadgen_on, 0.80, 1.0)
    parts = []
    rows = list(_B2B_ROWS) + [("social", "leadgen", 0, 0.0, 0.0)]
    for channel, campaign, base, lead_rate, cpc in rows:
        if campaign == "leadgen":
            ramp = np.clip((dates - pd.Timestamp(LEADGEN_START)).days.to_numpy() / 30.0, 0, 1)
            sessions = rng.poisson(np.where(leadgen_on, 25 * season * (0.5 + 0.5 * ramp), 0.0))
            leads = rng.poisson(np.where(leadgen_on, 14 * season * (0.5 + 0.5 * ramp), 0.0))  # in-platform forms
            p_intro: Any
            spend: Any
            p_intro, p_quote, p_win = 0.10, 0.35, 0.18
            clicks = sessions + rng.poisson(sessions * 0.5)
            impressions = np.round(clicks / 0.006).astype(np.int64)
            spend = np.round(leads * 9.0 * rng.gamma(30, 1 / 30, n) + clicks * 1.5, 2)
        else:
            sessions = rng.poisson(base * season * trend)
            leads = rng.binomial(sessions, lead_rate)
            p_intro = 0.50 * swamped * (1.15 if channel == "referral" else 1.0)
            p_quote, p_win = 0.62, 0.36
            if cpc is not None:
                clicks = np.round(sessions * 1.05).astype(np.int64)
                impressions = np.round(clicks / 0.035).astype(np.int64)
                spend = np.round(clicks * cpc * rng.gamma(40, 1 / 40, n), 2)
            else:
                clicks = impressions = np.zeros(n, dtype=np.int64)
                spend = np.zeros(n)
        intro = rng.binomial(leads, np.clip(p_intro, 0, 1))
        quotes = rng.binomial(intro, p_quote)
        won = rng.binomial(quotes, p_win)
        quote_value = np.round(quotes * 8200 * rng.gamma(8, 1 / 8, n) * (1 + 0.03 * trend), 2)
        revenue = np.round(won * 7400 * rng.gamma(6, 1 / 6, n) * trend**0.3, 2)
        frame = pd.DataFrame(
            {
                "date": dates.strftime("%Y-%m-%d"),
                "channel": channel,
                "campaign": campaign,
                "sessions": sessions,
                "leads": leads,
                "intro_calls": intro,
                "quotes": quotes,
                "quote_value": np.where(quotes > 0, quote_value, 0.0),
                "new_customers": won,
                "revenue": np.where(won > 0, revenue, 0.0),
                "ad_impressions": impressions,
                "ad_clicks": clicks,
                "ad_spend": spend,
            }
        )
        if campaign == "leadgen":
            frame = frame[leadgen_on]
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["date", "channel", "campaign"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- newsletter (bakery)

_BAKERY_PRODUCTS = [
    # name, price, weight, months (None = all year)
    ("Zuurdesembrood", 4.95, 30, None),
    ("Krentenbollen (6)", 5.50, 18, None),
    ("Appeltaart", 18.50, 12, None),
    ("Brownies", 3.25, 14, None),
    ("Taart op bestelling", 32.00, 4, None),
    ("Kerststol", 12.95, 40, (11, 12)),
    ("Paasbrood", 9.95, 40, (3, 4)),
]
_BAKERY_MONTHS = [0.85, 0.9, 1.0, 1.15, 1.0, 0.95, 0.8, 0.8, 1.0, 1.05, 1.15, 1.5]
_BAKERY_WEEK = [0.8, 0.85, 0.9, 1.25, 1.35, 1.2, 0.65]  # newsletter goes out Thursday morning
_BAKERY_CHANNELS = ["email", "direct", "organic_search", "social"]


def newsletter_frames(seed: int = SEEDS["newsletter"]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(order lines with Dutch column names, daily newsletter stats)."""
    rng = np.random.default_rng(seed)
    dates = _dates()
    season = _yearly(dates, _BAKERY_MONTHS) * _weekly(dates, _BAKERY_WEEK)
    trend = _trend(dates, 0.10)
    years = (dates - dates[0]).days.to_numpy() / 365.25
    n_orders = np.clip(rng.poisson(20 * season * trend), 12, 45)

    # newsletter stats: sends on Thursday, list grows, open rate slowly declines
    thursday = dates.day_of_week.to_numpy() == 3
    subs_new = rng.poisson(6.5 * trend * _yearly(dates, _BAKERY_MONTHS) * np.where(years >= 2.0, 1.12, 1.0))
    unsubs = rng.poisson(1.6 + 0.6 * years)
    list_size = 2400 + np.cumsum(subs_new - unsubs)
    delivered = np.where(thursday, np.round(list_size * 0.99), 0).astype(np.int64)
    open_rate = 0.47 - 0.035 * years
    opened = rng.binomial(delivered, np.clip(open_rate, 0.05, 0.95))
    clicks = rng.binomial(opened, 0.14)
    email_sessions = np.round(clicks * 1.1).astype(np.int64) + rng.poisson(np.where(thursday, 20, 9))
    email = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "channel": "email",
            "subscribers_new": subs_new,
            "unsubscribes": unsubs,
            "emails_delivered": delivered,
            "emails_opened": opened,
            "email_clicks": clicks,
            "sessions": email_sessions,
        }
    )

    names = np.array([p[0] for p in _BAKERY_PRODUCTS])
    prices = np.array([p[1] for p in _BAKERY_PRODUCTS])
    weights = np.array([p[2] for p in _BAKERY_PRODUCTS], dtype=float)
    lines = []
    next_order = 100001
    n_customers = 0
    for i, day in enumerate(dates):
        k = int(n_orders[i])
        # returning share rises as the customer base grows
        p_return = min(0.72, 0.25 + 0.0009 * i) if n_customers else 0.0
        returning = rng.random(k) < p_return
        cust = np.empty(k, dtype=np.int64)
        n_ret = int(returning.sum())
        if n_ret:
            # loyal customers (low numbers) are picked more often
            cust[returning] = (
                np.minimum((rng.pareto(1.2, n_ret) * n_customers * 0.15).astype(np.int64), n_customers - 1) + 1
            )
        n_new = k - n_ret
        cust[~returning] = np.arange(n_customers + 1, n_customers + 1 + n_new)
        n_customers += n_new
        chan_p = np.array([0.34, 0.26, 0.25, 0.15])
        if day.day_of_week in (3, 4):
            chan_p = np.array([0.55, 0.17, 0.17, 0.11])
        channels = rng.choice(len(_BAKERY_CHANNELS), size=k, p=chan_p)
        w = weights.copy()
        for j, p in enumerate(_BAKERY_PRODUCTS):
            if p[3] is not None and day.month not in p[3]:
                w[j] = 0.0
        w = w / w.sum()
        n_lines = 1 + rng.binomial(2, 0.35, size=k)
        order_ids = np.repeat(np.arange(next_order, next_order + k), n_lines)
        next_order += k
        line_cust = np.repeat(cust, n_lines)
        line_chan = np.repeat(channels, n_lines)
        prod = rng.choice(len(names), size=len(order_ids), p=w)
        qty = 1 + rng.binomial(2, 0.25, size=len(order_ids))
        coupon = np.full(k, "", dtype=object)
        email_orders = channels == 0
        coupon[email_orders & (rng.random(k) < 0.2)] = "NIEUWSBRIEF"
        if day.month == 12:
            coupon[rng.random(k) < 0.15] = "KERST10"
        line_coupon = np.repeat(coupon, n_lines)
        discount = np.where(line_coupon != "", 0.9, 1.0)
        revenue = np.round(qty * prices[prod] * discount, 2)
        lines.append(
            pd.DataFrame(
                {
                    "Datum": day.strftime("%d-%m-%Y"),
                    "Ordernummer": order_ids,
                    "Klantnummer": [f"K{c:05d}" for c in line_cust],
                    "Product": names[prod],
                    "Aantal": qty,
                    "Omzet": revenue,
                    "Kanaal": np.array(_BAKERY_CHANNELS)[line_chan],
                    "Kortingscode": line_coupon,
                }
            )
        )
    orders = pd.concat(lines, ignore_index=True)
    return orders, email


# ---------------------------------------------------------------- writing


def generate(out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write every demo file into `out_dir` (default: the package's demo_data/); returns name -> path."""
    out = Path(out_dir) if out_dir is not None else DEMO_DIR
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    frames = {"webshop": webshop_frame(), "b2b": b2b_frame()}
    frames["newsletter_orders"], frames["newsletter_email"] = newsletter_frames()
    for name, frame in frames.items():
        src = DEMO_SOURCES[name]
        path = out / src.file
        if src.separator == ";":
            _write_csv_gz(frame, path, sep=";", decimal=",", float_format="%.2f")
        else:
            _write_csv_gz(frame, path, float_format="%.2f")
        written[name] = path
    return written


def main() -> None:
    for name, path in generate().items():
        print(f"{name:20s} {path}  {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
