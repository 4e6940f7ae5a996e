"""Presets: the export formats agencies get from shops, analytics, ads and mail tools.

A preset is data, not code: the column roles and read options of one tool's export, taken from
the tool's public documentation (docs/presets.md lists the sources and a minimal params file per
preset). `preset: NAME` on a data source fills in every field the source leaves unset; every
field (and every single column role) stays overridable. New presets are added with `register`,
like papermill's I/O handlers: no if/elif chain knows the tools.

`detect_preset(header)` recognises an export from its header columns (used by
`kpi-workbook new-client --from`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from kpi_helpers.data.readers import SourceSpec


@dataclass(frozen=True)
class Preset:
    """One tool's export format: a shape, column roles (ours -> theirs) and read options."""

    name: str
    title: str
    shape: str
    columns: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)  # SourceSpec fields: skip_rows, comment, footer, ...
    signature: tuple[str, ...] = ()  # header columns that identify the export (all must be present)
    documentation: str = ""  # where the format is documented

    def header_matches(self, header: list[str]) -> bool:
        names = {h.strip().casefold() for h in header}
        return bool(self.signature) and all(s.casefold() in names for s in self.signature)


PRESETS: dict[str, Preset] = {}


def register(preset: Preset) -> Preset:
    """Add (or replace) a preset in the registry."""
    PRESETS[preset.name] = preset
    return preset


def get_preset(name: str) -> Preset | None:
    return PRESETS.get(name)


def apply_preset(spec: SourceSpec) -> tuple[SourceSpec, str | None]:
    """The spec with the preset's defaults for every unset field; (spec, error message or None)."""
    if not spec.preset:
        return spec, None
    preset = PRESETS.get(spec.preset)
    if preset is None:
        import difflib

        close = difflib.get_close_matches(spec.preset, list(PRESETS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return spec, f"preset '{spec.preset}' is not known{hint}; known presets: {', '.join(sorted(PRESETS))}"
    changes: dict[str, Any] = {"columns": {**preset.columns, **spec.columns}}
    if spec.shape in (None, "daily") and preset.shape != "daily":
        changes["shape"] = preset.shape  # `shape` has a default, so a preset's shape wins over the default
    for key, value in preset.options.items():
        if getattr(spec, key) is None:
            changes[key] = value
    return replace(spec, **changes), None


def detect_preset(header: list[str]) -> Preset | None:
    """The preset whose signature columns are all in `header` (the most specific one wins)."""
    hits = [p for p in PRESETS.values() if p.header_matches(header)]
    return max(hits, key=lambda p: len(p.signature)) if hits else None


# ---------------------------------------------------------------- the presets

register(
    Preset(
        name="shopify_orders",
        title="Shopify — Orders export (one row per line item)",
        shape="orders",
        columns={
            "date": "Created at",
            "order_id": "Name",
            "customer_id": "Email",
            "revenue": "Total",
            "refunded": "Refunded Amount",
            "tax": "Taxes",
            "shipping": "Shipping",
            "status": "Financial Status",
            "cancelled": "Cancelled at",
            "coupon": "Discount Code",
            "channel": "Source",
            "product": "Lineitem name",
            "quantity": "Lineitem quantity",
            "price": "Lineitem price",
        },
        options={"line_items": True, "exclude_status": ["voided"], "revenue_basis": "gross", "separator": ","},
        signature=("Name", "Financial Status", "Lineitem name", "Lineitem quantity", "Lineitem price", "Created at"),
        documentation="Shopify Help Center, 'Exporting orders' (orders CSV: order fields on the first line item row)",
    )
)

register(
    Preset(
        name="woocommerce_orders",
        title="WooCommerce — Analytics › Orders, Download (CSV)",
        shape="orders",
        columns={
            "date": "Date",
            "order_id": "Order #",
            "customer_id": "Customer",
            "revenue": "Net Sales",
            "status": "Status",
            "coupon": "Coupon(s)",
            "channel": "Attribution",
        },  # "Items sold" is not mapped: a refund row has a negative count (map `quantity` yourself if yours has none)
        options={"exclude_status": ["failed", "cancelled", "pending", "pending payment", "checkout-draft", "draft"]},
        signature=("Order #", "Status", "Customer", "Net Sales", "Items sold"),
        documentation="WooCommerce docs, 'WooCommerce Analytics › Orders' (the report table's columns, Download)",
    )
)

register(
    Preset(
        name="ga4_traffic",
        title="Google Analytics 4 — Traffic acquisition by date × session default channel group (CSV)",
        shape="daily",
        columns={
            "date": "Date",
            "channel": "Session default channel group",
            "sessions": "Sessions",
            "engaged_sessions": "Engaged sessions",
            "key_events": "Key events",
            "revenue": "Total revenue",
        },
        options={"comment": "#", "date_format": "%Y%m%d"},
        signature=("Session default channel group", "Sessions", "Engaged sessions"),
        documentation="Google Analytics Help, 'Traffic acquisition report' and 'Export data from reports' (# header lines)",
    )
)

register(
    Preset(
        name="google_ads_campaigns",
        title="Google Ads — Campaigns report by day (Download › CSV)",
        shape="daily",
        columns={
            "date": "Day",
            "campaign": "Campaign",
            "ad_spend": "Cost",
            "ad_impressions": "Impr.",
            "ad_clicks": "Clicks",
            "ad_conversions": "Conversions",
            "ad_conversion_value": "Conv. value",
        },
        options={
            "skip_rows": "auto",
            "footer": ["Total:"],
            "thousands": ",",
            "decimal": ".",
        },  # title + date range, or none
        signature=("Campaign", "Impr.", "Clicks", "Cost"),
        documentation="Google Ads Help, 'Download a report' and the Campaigns report columns (Impr., Conv. value)",
    )
)

register(
    Preset(
        name="meta_ads",
        title="Meta Ads Manager — Campaigns by day (Export table data, CSV)",
        shape="daily",
        columns={
            "date": "Day",
            "campaign": "Campaign name",
            "ad_spend": "Amount spent (EUR)",
            "ad_impressions": "Impressions",
            "ad_clicks": "Link clicks",
            "ad_conversions": "Results",
        },
        options={"blank_is_zero": True},
        signature=("Campaign name", "Impressions", "Link clicks", "Reporting starts"),
        documentation="Meta Business Help Centre, 'Export your ad reports' and the Ads Manager column glossary",
    )
)

register(
    Preset(
        name="mailchimp_campaigns",
        title="Mailchimp — Campaign reports export (CSV)",
        shape="daily",
        columns={
            "date": "Send Date",
            "campaign": "Title",
            "emails_sent": "Total Recipients",
            "emails_delivered": "Successful Deliveries",
            "emails_opened": "Unique Opens",
            "email_clicks": "Unique Clicks",
            "unsubscribes": "Unsubscribes",
        },
        options={"date_format": "%b %d, %Y %I:%M %p"},
        signature=("Send Date", "Total Recipients", "Successful Deliveries", "Unique Opens"),
        documentation="Mailchimp Help, 'Export campaign reports' and 'About email campaign reports'",
    )
)
