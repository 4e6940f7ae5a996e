"""Merge helper (delete after merging): re-apply the report branch's notebook edits (sources, tags,
notebook metadata only) to the workbook notebooks in DIR, e.g. kpi_helpers/notebooks after the move.
Usage: python tools/apply_report_notebook_edits.py kpi_helpers/notebooks  (then re-execute the notebooks)."""
import sys
import nbformat

DIR = sys.argv[1]
HEAD = {"Doelen als SMART-kaarten": "smart_cards", "De doelketen": "goal_chain", "Realistisch, gemeten": "realism",
        "Gekozen KPI's per domein": "selected_kpis", "KPI-paren · KPI pairs": "kpi_pairs",
        "Waarschuwingen bij de selectie": "selection_warnings"}
SECTIONS = {"pair_charts": "pairs", "breakdown_charts": "breakdowns", "seasonality_charts": "seasonality",
            "driver_charts": "drivers"}


def tag(cell):
    tags = cell.metadata.setdefault("tags", [])
    if "remove-from-report" not in tags:
        tags.append("remove-from-report")


for name in ("01_goals", "02_kpi_pairs", "03_analysis"):
    path = f"{DIR}/{name}.ipynb"
    nb = nbformat.read(path, 4)
    cells, out = nb.cells, []
    i = 0
    if name != "03_analysis":
        nb.metadata["kpi_report"] = {"document": "appendix"}
    teaching = False
    while i < len(cells):
        c = cells[i]
        key = next((k for h, k in HEAD.items() if h in c.source), None) if c.cell_type == "markdown" else None
        if key and "remove-from-report" not in c.metadata.get("tags", []):
            cells[i + 1].source = f'kpi.show_markdown(kpi.section_heading("{key}", wb))\n' + cells[i + 1].source
            i += 1
            continue
        if "Van vaag naar specifiek" in c.source or "vague_to_specific" in c.source:
            teaching = True
        if teaching and name == "01_goals":
            tag(c)
        if name == "03_analysis":
            if 'show_markdown(f"# {wb.title}")' in c.source:
                c.source = "\n".join(l for l in c.source.splitlines() if "wb.title" not in l)
            if "kpi.scorecards(wb)" in c.source:
                tag(c)
            for fn, key in SECTIONS.items():
                if f"kpi.{fn}(wb)" in c.source and "for fig in" in c.source:
                    c.source = f'kpi.show_section("{key}", wb, kpi.{fn}(wb))'
            if "findings_markdown(kpi.build_findings(wb), wb.lang)" in c.source:
                c.source = ('kpi.show_markdown(kpi.section_heading("findings", wb))\n'
                            "kpi.show_findings(kpi.build_findings(wb), wb.lang)")
        out.append(c)
        i += 1
    nb.cells = out
    nbformat.write(nb, path)
    print(name, len(cells), "->", len(out))
