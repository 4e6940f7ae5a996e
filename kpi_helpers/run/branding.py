"""The agency's name, logo and colours on every client report, the analyst appendix, the PDF
(printed from report.html) and the portfolio overview (index.html).

Read from `params/_agency.yaml` (kpi_helpers.spec.agency.agency_branding checks the fields).
The logo is embedded as a `data:` URI, so reports stay one self-contained, offline file:

* only png, jpg or svg, at most LOGO_BYTES, and the content must be what the name says
  (png/jpeg signature; svg well-formed XML);
* svg can carry script: only the drawing elements and attributes of SVG_ELEMENTS and
  SVG_ATTRIBUTES are allowed (an allowlist); an event handler attribute (`on...`), a link to
  anything but an element of its own (`href="#..."`), a DOCTYPE or entities is refused, with the reason. It is shown through `<img>`, where browsers run no
  script of an svg anyway;
* the agency's name is escaped like every other string; colours are validated hex, so they are
  inert in CSS.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.spec.agency import AGENCY_FILE, Branding, agency_branding

LOGO_BYTES = 100 * 1024
DEFAULT_PRIMARY = "#102a43"  # text: headings, links
DEFAULT_ACCENT = "#2f80ed"  # rules
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
_SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}
_SVG_URL = re.compile(r"url\s*\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
# An allowlist, not a blocklist: what a drawn logo needs; anything else (script, foreignObject, animation,
# elements of editors' own namespaces) is refused by name, so a new kind of active content cannot slip through.
SVG_ELEMENTS = frozenset(
    "svg g defs title desc metadata path rect circle ellipse line polyline polygon text tspan textPath "
    "linearGradient radialGradient stop clipPath mask pattern use symbol style".split()
)
SVG_ATTRIBUTES = frozenset(
    "id class style transform x y x1 y1 x2 y2 cx cy r rx ry fx fy fr dx dy width height d points viewBox "
    "preserveAspectRatio version baseProfile fill fill-opacity fill-rule stroke stroke-width stroke-linecap "
    "stroke-linejoin stroke-miterlimit stroke-dasharray stroke-dashoffset stroke-opacity opacity clip-path "
    "clip-rule clipPathUnits mask maskUnits maskContentUnits offset stop-color stop-opacity gradientUnits "
    "gradientTransform spreadMethod patternUnits patternContentUnits patternTransform font-family font-size "
    "font-weight font-style font-variant font-stretch text-anchor dominant-baseline alignment-baseline "
    "baseline-shift letter-spacing word-spacing text-decoration textLength lengthAdjust rotate display "
    "visibility color overflow vector-effect shape-rendering paint-order mix-blend-mode isolation "
    "enable-background href".split()
)


@dataclass(frozen=True)
class PageBranding:
    """What a page needs: CSS (variables for the colours) and the header HTML (name + logo)."""

    css: str = ""
    header: str = ""
    name: str | None = None
    language: str | None = None


NO_BRANDING = PageBranding(
    css=f":root{{--brand-primary:{DEFAULT_PRIMARY};--brand-accent:{DEFAULT_ACCENT}}}",
)


def _problem(branding: Branding, why: str) -> ParamsError:
    return ParamsError(str(branding.source or AGENCY_FILE), [("logo", why)])


def logo_data_uri(branding: Branding) -> str | None:
    """The logo as a `data:` URI, checked (type, size, content); ParamsError naming file and field."""
    if branding.logo is None:
        return None
    path = Path(branding.logo)
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if size > LOGO_BYTES:
        raise _problem(branding, f"{path.name} is {size:,} bytes; a logo may be at most {LOGO_BYTES:,} bytes")
    data = path.read_bytes()
    if suffix in _SIGNATURES and not data.startswith(_SIGNATURES[suffix]):
        raise _problem(branding, f"{path.name} is not a {suffix[1:].upper()} image (its content does not match)")
    if suffix == ".svg":
        why = svg_problem(data)
        if why:
            raise _problem(branding, f"{path.name} refused: {why}")
    return f"data:{_MIME[suffix]};base64,{base64.b64encode(data).decode('ascii')}"


def svg_problem(data: bytes) -> str | None:
    """None for a plain drawing; else why the svg is refused (script, handlers, outside links)."""
    import xml.etree.ElementTree as ET

    text = data.decode("utf-8", errors="replace")
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return "a DOCTYPE or entity declaration is not allowed"
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        return f"not well-formed XML ({error})"
    if root.tag.rsplit("}", 1)[-1].lower() != "svg":
        return "the file is not an svg drawing"
    for element in root.iter():
        for name, value in element.attrib.items():  # the most telling reason first: script or a link out
            local = name.rpartition("}")[2].lower()
            if local.startswith("on"):
                return f"it contains an event handler attribute ({local[:40]})"
            if local == "href" and not value.strip().startswith("#"):
                return "it links to something outside the drawing (href)"
        namespace, _, tag = str(element.tag).rpartition("}")
        if namespace.lstrip("{") not in ("", _SVG_NS) or tag not in SVG_ELEMENTS:
            return (
                f"it contains a <{tag.lower()[:40]}> element; a logo may only draw (shapes, paths, text, "
                "gradients: export it as plain SVG)"
            )
        for name, value in element.attrib.items():
            namespace, _, local = name.rpartition("}")
            namespace = namespace.lstrip("{")
            allowed = (
                local in SVG_ATTRIBUTES
                if namespace == ""
                else (namespace, local)
                in (
                    (_XLINK_NS, "href"),
                    (_XML_NS, "space"),
                    (_XML_NS, "lang"),
                )
            )
            if not allowed:
                return f"it has a {local[:40]} attribute; a logo may only have drawing attributes"
            if _SVG_URL.search(value) or "javascript:" in value.lower():
                return "it refers to something outside the drawing (url(...))"
        if tag == "style" and element.text and (_SVG_URL.search(element.text) or "@import" in element.text):
            return "its stylesheet refers to something outside the drawing"
    return None


def page_branding(params_dir: str | Path | None) -> PageBranding:
    """CSS and header for the pages made from the params in `params_dir` (defaults without an agency file)."""
    if params_dir is None:
        return NO_BRANDING
    return render(agency_branding(params_dir))


def render(branding: Branding) -> PageBranding:
    primary = branding.primary or DEFAULT_PRIMARY
    accent = branding.accent or DEFAULT_ACCENT
    css = (
        f":root{{--brand-primary:{primary};--brand-accent:{accent}}}"
        # primary (text: headings, links, the name) and accent (rules only, so a light colour stays readable)
        ".agency{display:flex;align-items:center;gap:.8rem;margin:0 0 .6rem;padding-bottom:.4rem;"
        "border-bottom:2px solid var(--brand-accent)}.agency img{max-height:48px;max-width:220px}"
        ".agency span{font-weight:600;color:var(--brand-primary);font-size:1.05rem}"
        "h1{border-bottom-color:var(--brand-accent)!important}h1,h2,h3{color:var(--brand-primary)}"
        "a{color:var(--brand-primary)}"
    )
    uri = logo_data_uri(branding)
    name = branding.name
    parts = []
    if uri:
        parts.append(f'<img src="{uri}" alt="{html.escape(name or "logo")}">')
    if name:
        parts.append(f"<span>{html.escape(name)}</span>")
    header = f'<header class="agency">{"".join(parts)}</header>' if parts else ""
    return PageBranding(css=css, header=header, name=name, language=branding.language)
