"""Every workshop notebook under papermill: 5 notebooks × learner/trainer × nl/en = 20 runs.

Learner runs get wrong answers: the specific feedback must appear, and neither "all correct"
nor the model answers / discussion prompts. Trainer runs get the model answers: "all correct"
and the trainer notes must appear. The runs share a pool of two kernels (≈ 2 s each).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from kpi_helpers.run.workspace import notebooks_dir
from kpi_helpers.workshop import exercises as ws

NOTEBOOKS = notebooks_dir() / "workshop"
ALL_CORRECT = {"nl": "Alles goed!", "en": "All correct!"}

WRONG: dict[str, dict] = {
    "good_kpi": {
        "website_traffic": {"good": True, "reason": "tied_to_goal"},
        "orders_aov": {"good": True, "reason": "quantifiable"},
    },
    "smart": {
        "statement": "We want more profit",
        "kpi": "revenue",
        "target": 300000,
        "start": "2026-01-01",
        "deadline": "2026-12-31",
    },
    "goodhart": {
        "count_only": "huge",
        "most_useful": "count",
        "partner": "sessions",
        "latest_quarter": "healthy_growth",
    },
    "drivers": {
        "mix_1": {"customers": 5, "revenue_per_customer": 0},
        "mix_2": {"customers": 10, "revenue_per_customer": 0},
    },
    "review": {"off_track": ["revenue-2026", "leads-2026"], "action": "more_volume"},
}
COMBOS = [(key, mode, lang) for key in ws.EXERCISES for mode in ws.MODES for lang in ("nl", "en")]


def _answers(key: str, mode: str, lang: str) -> dict:
    return ws.model_answers(key, lang) if mode == "trainer" else WRONG[key]


def _run(key: str, mode: str, lang: str, out_dir: Path) -> str:
    import papermill as pm

    out = out_dir / f"{key}-{mode}-{lang}.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS / ws.EXERCISES[key]["notebook"]),
        str(out),
        progress_bar=False,
        parameters={"mode": mode, "lang": lang, "answers": _answers(key, mode, lang)},
        kernel_name="python3",
        log_output=False,
    )
    texts = []
    for cell in nbformat.read(out, as_version=4).cells:
        for o in cell.get("outputs", []):
            texts.append(o.get("text", ""))
            data = o.get("data", {})
            texts.extend(str(data.get(mime, "")) for mime in ("text/plain", "text/markdown"))
    return "\n".join(texts)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("workshop")
    # kernels start in out_dir (demo params come from the package): one chdir for all runs, as
    # papermill's own cwd= changes the process cwd per run, which is not thread-safe
    with pytest.MonkeyPatch.context() as mp, ThreadPoolExecutor(max_workers=2) as pool:
        mp.chdir(out_dir)
        futures = {combo: pool.submit(_run, *combo, out_dir) for combo in COMBOS}
        return {combo: f.result() for combo, f in futures.items()}


@pytest.mark.slow
def test_all_twenty_combinations_ran(outputs):
    assert len(outputs) == 20 and all(outputs.values())


@pytest.mark.slow
@pytest.mark.parametrize("key,mode,lang", COMBOS)
def test_workshop_notebook(outputs, key, mode, lang):
    text = outputs[(key, mode, lang)]
    other = "en" if lang == "nl" else "nl"
    heading, prompt = ws.UI["model_heading"][lang], ws.DISCUSSION[key][0][lang]
    fb = ws.check_answers(key, _answers(key, mode, lang), lang)
    if mode == "trainer":
        assert fb.all_correct
        assert ALL_CORRECT[lang] in text
        assert heading in text and prompt in text
    else:
        assert not fb.all_correct
        assert ALL_CORRECT[lang] not in text
        specific = [t for status, _, t in fb.lines(lang) if status != "right"]
        assert specific and all(t in text for t in specific)
        assert heading not in text and ws.UI["prompts"][lang] not in text and prompt not in text
        assert ws.UI["learner_note"][lang] in text
        # the model-answer code block of the trainer notes never reaches a learner
        assert "answers = {" not in text.replace('answers = {"', "")
    assert ws.UI["no_answers"][lang] not in text and ALL_CORRECT[other] not in text
