"""Branding from params/_agency.yaml (issue 13): the agency's name, logo and colours on the client
report, the analyst appendix (and so the PDF printed from report.html) and the index; clear errors
naming the file and field; strings inert; svg logos that can carry script refused."""

from __future__ import annotations

import base64
import os

import nbformat
import pytest
from conftest import write_client

from kpi_helpers.exceptions import ParamsError
from kpi_helpers.run.batch import BatchResult
from kpi_helpers.run.branding import LOGO_BYTES, page_branding
from kpi_helpers.run.report import export_report, write_index
from kpi_helpers.spec.agency import agency_branding
from kpi_helpers.spec.params import load_params

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the signature is what is checked
PLAIN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#1b5e20"/></svg>'


def agency(tmp_path, text, files=None):
    params = tmp_path / "params"
    params.mkdir(exist_ok=True)
    (params / "_agency.yaml").write_text(text, encoding="utf-8")
    for name, data in (files or {}).items():
        (params / name).write_bytes(data)
    return params


def problems_of(params):
    with pytest.raises(ParamsError) as info:
        page_branding(params)
    return str(info.value)


def test_name_logo_and_colours_reach_report_appendix_and_index(tmp_path):
    params = agency(
        tmp_path,
        'name: "Bureau <script>alert(1)</script> & Co"\nlogo: logo.png\n'
        'colors: {primary: "#1B5E20", accent: "#ff8f00"}\n',
        {"logo.png": PNG},
    )
    config = load_params(write_client(params, "acme", "Acme"))
    appendix = nbformat.v4.new_notebook(metadata={"kpi_report": {"document": "appendix"}})
    appendix.cells = [nbformat.v4.new_markdown_cell("## Goal design")]
    out = tmp_path / "out" / "acme"
    out.mkdir(parents=True)
    export_report([appendix], out / "report.html", config, "en")
    index = write_index(BatchResult(out_dir=tmp_path / "out", results=[], seconds=0.0), brand=page_branding(params))
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    for page in (out / "report.html", out / "analysis.html", index):
        text = page.read_text(encoding="utf-8")
        assert '<header class="agency">' in text and uri in text
        assert "--brand-primary:#1b5e20" in text and "--brand-accent:#ff8f00" in text
        assert "<script>alert(1)</script>" not in text
        assert "Bureau &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in text


def test_without_an_agency_file_pages_have_the_default_look(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    config = load_params(write_client(params, "acme", "Acme"))
    export_report([], tmp_path / "report.html", config, "en")
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<header class="agency">' not in text and "--brand-accent:#2f80ed" in text


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('colors: {primary: "green"}', "colors.primary", "hex colour"),
        ('colors: {primary: "#12345"}', "colors.primary", "hex colour"),
        ('colors: {primary: "#fff;background:url(x)"}', "colors.primary", "hex colour"),
        ('colors: {border: "#ffffff"}', "colors.border", "not a known colour"),
        ("colors: red", "colors", "mapping"),
        ("name: [1, 2]", "name", "text"),
        ("language: fr", "language", "not one of"),
        ("logo: ../outside.png", "logo", "inside the params folder"),
        ("logo: /etc/passwd.png", "logo", "inside the params folder"),
        ("logo: logo.gif", "logo", "only .png"),
        ("logo: missing.png", "logo", "not found"),
        ("colour: {primary: '#ffffff'}", "colour", "not a known field"),
    ],
)
def test_bad_fields_are_named_with_the_file(tmp_path, text, field, words):
    params = agency(tmp_path, text + "\n")
    message = problems_of(params)
    assert "_agency.yaml" in message and field in message and words in message


def test_a_logo_must_be_what_its_name_says_and_small(tmp_path):
    params = agency(tmp_path, "logo: logo.png\n", {"logo.png": b"<html>not an image</html>"})
    assert "is not a PNG image" in problems_of(params)
    (params / "logo.png").write_bytes(PNG + b"\x00" * LOGO_BYTES)
    assert "at most" in problems_of(params)


def test_a_logo_symlinked_out_of_the_params_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(PNG)
    params = agency(tmp_path, "logo: logo.png\n")
    os.symlink(outside, params / "logo.png")
    assert "outside the params folder" in problems_of(params)


@pytest.mark.parametrize(
    ("svg", "why"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<a x:href="javascript:alert(1)"><rect/></a></svg>',
            "links to something outside",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x/y.png"/></svg>', "links to something"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>', "foreignobject"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/y)"/></svg>', "url("),
        (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "DOCTYPE"),
        (b"<svg", "not well-formed"),
    ],
)
def test_svg_logos_that_can_carry_script_or_fetch_are_refused(tmp_path, svg, why):
    params = agency(tmp_path, "logo: logo.svg\n", {"logo.svg": svg})
    message = problems_of(params)
    assert "logo" in message and "refused" in message and why in message


def test_a_plain_svg_logo_is_embedded(tmp_path):
    params = agency(tmp_path, "logo: logo.svg\nname: Bureau Noord\n", {"logo.svg": PLAIN_SVG})
    brand = page_branding(params)
    assert "data:image/svg+xml;base64," + base64.b64encode(PLAIN_SVG).decode() in brand.header
    assert agency_branding(params).name == "Bureau Noord"


def test_the_batch_stops_before_running_anything_on_a_bad_agency_file(tmp_path):
    from kpi_helpers.run.batch import run_batch

    params = agency(tmp_path, 'colors: {accent: "#zzzzzz"}\n')
    write_client(params, "acme", "Acme")
    with pytest.raises(ParamsError, match="colors.accent"):
        run_batch(params_dir=params, out_dir=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_the_agency_colour_draws_the_main_series_in_every_figure(tmp_path):
    """Opening a client whose params folder has an agency colour draws the charts' main series in
    it (static figures and the live redraws share `figure_spec`); another client without one gets
    the default colours back in the same kernel."""
    import json

    import pandas as pd

    import kpi_helpers as kpi
    from kpi_helpers.apps.widgets import react_bundle
    from kpi_helpers.views import charts, display

    table = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-01-01", "2026-02-01"]),
            "kpi": "revenue",
            "value": [10.0, 12.0],
            "unit": "currency",
            "label_en": "Revenue",
            "label_nl": "Omzet",
            "direction": "higher",
        }
    )
    branded = agency(tmp_path, 'colors: {primary: "#1B5E20"}\n')
    plain = tmp_path / "plain"
    plain.mkdir()
    try:
        kpi.open_client(write_client(branded, "acme", "Acme"))
        spec = display.figure_bundle(charts.trend(table, "revenue", target=11.0))
        text = json.dumps(spec[display.PLOTLY_MIME])
        assert "#1b5e20" in text and display.SERIES_COLOR not in text
        assert "#1b5e20" in spec["text/html"] and display.SERIES_COLOR not in spec["text/html"]
        assert "#1b5e20" in react_bundle(charts.trend(table, "revenue"), "#x", "k")["data"]["text/html"]
        kpi.open_client(write_client(plain, "other", "Other"))
        text = json.dumps(display.figure_bundle(charts.trend(table, "revenue"))[display.PLOTLY_MIME])
        assert display.SERIES_COLOR in text and "#1b5e20" not in text
    finally:
        display.use_chart_color(None)


# ---------------------------------------------------------------- an allowlist, not a blocklist (issue 21, minor)

SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink" viewBox="0 0 40 20">'


@pytest.mark.parametrize(
    ("inner", "why"),
    [  # each passed the old blocklist
        (b'<a><animate attributeName="href" to="javascript:alert(1)"/><rect/></a>', "<a> element"),
        (b'<rect><set attributeName="fill" to="red" begin="0s"/></rect>', "<set> element"),
        (b"<discard/>", "<discard> element"),
        (b'<rect requiredExtensions="http://x/y"/>', "requiredExtensions attribute"),
        (b'<rect x:show="new"/>', "show attribute"),
        (b'<g xmlns:s="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"><s:namedview/></g>', "<namedview>"),
        (b'<rect fill="javascript:alert(1)"/>', "outside the drawing"),
    ],
)
def test_svg_logos_outside_the_allowlist_are_refused_by_name(tmp_path, inner, why):
    params = agency(tmp_path, "logo: logo.svg\n", {"logo.svg": SVG_OPEN + inner + b"</svg>"})
    message = problems_of(params)
    assert "refused" in message and why in message


def test_a_logo_with_gradients_text_and_reuse_is_allowed(tmp_path):
    svg = (
        SVG_OPEN + b'<defs><linearGradient id="g"><stop offset="0" stop-color="#1b5e20"/></linearGradient>'
        b'<clipPath id="c"><rect width="40" height="20" rx="3"/></clipPath><symbol id="s"><circle r="4"/></symbol>'
        b'</defs><title>Bureau Noord</title><style>.t{font-family:sans-serif}</style><g clip-path="url(#c)">'
        b'<path d="M0 0h40v20H0z" fill="url(#g)"/><use x:href="#s" x="10" y="10"/>'
        b'<text class="t" x="20" y="14" text-anchor="middle" xml:space="preserve">BN</text></g></svg>'
    )
    params = agency(tmp_path, "logo: logo.svg\n", {"logo.svg": svg})
    assert "data:image/svg+xml;base64," in page_branding(params).header
