"""Save back: goal builder and pair picker write the client's params file (diff first, backup kept,
comments and order kept, invalid goals refused with the field named). Works on copies in tmp_path."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

import kpi_helpers as kpi
from kpi_helpers.apps.save_back import plan_goal, plan_pairs
from kpi_helpers.exceptions import KpiWorkbookError, ParamsError
from kpi_helpers.spec.goals import Goal


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#") or " # " in line]


def _goal(**kw) -> Goal:
    fields = dict(
        id="draft",
        statement="Leads from 4,009 to 4,500 by 31 Dec 2027",
        kpi="leads",
        baseline=4009,
        target=4500,
        start=dt.date(2027, 1, 1),
        deadline=dt.date(2027, 12, 31),
        owner="Marketing lead (Tom)",
    )
    return Goal(**{**fields, **kw})


@pytest.fixture
def b2b_file(params_dir):
    return params_dir / "demo_b2b.yaml"


def test_goal_plan_shows_a_diff_and_writes_nothing(b2b_file):
    before = b2b_file.read_text(encoding="utf-8")
    plan = plan_goal(b2b_file, _goal())
    assert b2b_file.read_text(encoding="utf-8") == before and not plan.backup_path.exists()
    added = [line[1:] for line in plan.diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert "  - id: leads-2027" in added and "    owner: Marketing lead (Tom)" in added
    assert not [line for line in plan.diff.splitlines() if line.startswith("-") and not line.startswith("---")]


def test_goal_saved_with_comments_order_and_backup(b2b_file):
    before = b2b_file.read_text(encoding="utf-8")
    backup = plan_goal(b2b_file, _goal()).apply()
    after = b2b_file.read_text(encoding="utf-8")
    # file changed, old version kept as <file>.bak
    assert after != before and backup == b2b_file.with_name("demo_b2b.yaml.bak")
    assert backup.read_text(encoding="utf-8") == before
    # every original line (comments included) is still there, in the same order
    old_lines, new_lines = before.splitlines(), after.splitlines()
    it = iter(new_lines)
    assert all(any(line == n for n in it) for line in old_lines)
    assert _comments(after) == _comments(before) and len(_comments(before)) >= 5
    # top-level keys keep their order
    keys = lambda t: re.findall(r"^([a-z_]+):", t, re.M)  # noqa: E731
    assert keys(after) == keys(before)
    # the file loads and has the goal, as independent PyYAML sees it
    raw = yaml.safe_load(after)["goals"][-1]
    assert raw == {
        "id": "leads-2027",
        "statement": "Leads from 4,009 to 4,500 by 31 Dec 2027",
        "kpi": "leads",
        "baseline": 4009,
        "target": 4500,
        "start": dt.date(2027, 1, 1),
        "deadline": dt.date(2027, 12, 31),
        "owner": "Marketing lead (Tom)",
    }
    config = kpi.load_params(b2b_file)
    assert [g.id for g in config.goals] == ["revenue-2026", "leads-2026", "lead-quality-2026", "leads-2027"]


def test_targets_per_period_and_a_floor_are_saved_and_load_back(b2b_file):
    targets = {f"2027-Q{q}": 1125 for q in range(1, 5)}
    plan_goal(b2b_file, _goal(targets=targets)).apply()
    plan_goal(b2b_file, _goal(kpi="lead_to_customer_rate", baseline=0.1, target=0.12, floor=0.08)).apply()
    raw = yaml.safe_load(b2b_file.read_text(encoding="utf-8"))["goals"]
    assert raw[-2]["targets"] == targets and raw[-1]["floor"] == 0.08
    goals = kpi.load_params(b2b_file).goals
    assert goals[-2].targets == targets and goals[-1].floor == 0.08


def test_same_id_replaces_the_goal_and_a_second_draft_gets_a_new_id(b2b_file):
    plan_goal(
        b2b_file,
        _goal(id="leads-2026", owner="Tom", target=4100, start=dt.date(2026, 1, 1), deadline=dt.date(2026, 12, 31)),
    ).apply()
    goals = kpi.load_params(b2b_file).goals
    assert len(goals) == 3 and goals[1].id == "leads-2026" and goals[1].target == 4100 and goals[1].owner == "Tom"
    plan_goal(b2b_file, _goal()).apply()
    plan_goal(b2b_file, _goal(target=4600)).apply()
    assert [g.id for g in kpi.load_params(b2b_file).goals][-2:] == ["leads-2027", "leads-2027-2"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"owner": ""}, "goals[3].owner"),
        ({"deadline": dt.date(2026, 6, 1)}, "goals[3].deadline"),
        ({"kpi": "leadz"}, "goals[3].kpi"),
        ({"target": -5}, "goals[3].target"),
    ],
)
def test_invalid_goal_is_refused_with_the_field_named(b2b_file, change, field):
    before = b2b_file.read_text(encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        plan_goal(b2b_file, _goal(**change))
    assert field in [f for f, _ in info.value.problems] and str(b2b_file) in str(info.value)
    assert b2b_file.read_text(encoding="utf-8") == before
    assert not b2b_file.with_name("demo_b2b.yaml.bak").exists()


def test_pairs_saved_keeping_flow_lists_and_comments(b2b_file):
    before = b2b_file.read_text(encoding="utf-8")
    plan = plan_pairs(
        b2b_file,
        ["leads", "revenue", "average_order_value"],
        [("leads", "lead_to_customer_rate"), ("revenue", "average_order_value")],
    )
    plan.apply()
    after = b2b_file.read_text(encoding="utf-8")
    assert (
        "kpis: [leads, lead_to_customer_rate, quotes, revenue_per_quote, revenue, ad_spend, average_order_value]"
        in after
    )
    assert "  - [revenue, average_order_value]" in after and after.count("[leads, lead_to_customer_rate]") == 1
    assert _comments(after) == _comments(before)
    config = kpi.load_params(b2b_file)
    assert ("revenue", "average_order_value") in config.pairs and len(config.pairs) == 4
    assert plan_pairs(b2b_file, ["revenue"], [("revenue", "average_order_value")]).changed is False


def test_file_changed_after_the_plan_is_not_overwritten(b2b_file):
    plan = plan_goal(b2b_file, _goal())
    b2b_file.write_text(b2b_file.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    with pytest.raises(KpiWorkbookError, match="changed"):
        plan.apply()
    assert "# edited by hand" in b2b_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_goal_builder_confirm_step(b2b_file, lang):
    wb = kpi.open_client(b2b_file, lang=lang)
    builder = kpi.goal_builder(wb)
    panel = builder.save_panel
    before = b2b_file.read_text(encoding="utf-8")
    assert panel.confirm_button.disabled
    # the draft has no owner: refused, the field named, nothing written
    builder.owner.value = ""
    panel.save_button.click()
    assert "owner" in panel.message.value and panel.confirm_button.disabled
    assert b2b_file.read_text(encoding="utf-8") == before
    # a valid goal: the diff first, the file still unchanged
    builder.owner.value = "Sales <b>lead</b>"
    panel.save_button.click()
    assert "kpi-save-diff" in panel.message.value and "+    owner: Sales &lt;b&gt;lead&lt;/b&gt;" in panel.message.value
    assert not panel.confirm_button.disabled and b2b_file.read_text(encoding="utf-8") == before
    panel.confirm_button.click()
    assert b2b_file.read_text(encoding="utf-8") != before
    assert b2b_file.with_name("demo_b2b.yaml.bak").read_text(encoding="utf-8") == before
    assert "demo_b2b.yaml.bak" in panel.message.value and panel.confirm_button.disabled
    assert {"nl": "Opgeslagen", "en": "Saved"}[lang] in panel.message.value
    assert kpi.load_params(b2b_file).goals[-1].owner == "Sales <b>lead</b>"


def test_pair_picker_save_and_cancel(b2b_file):
    wb = kpi.open_client(b2b_file)
    picker = kpi.pair_picker(wb)
    picker.add_pair("revenue", "average_order_value")
    before = b2b_file.read_text(encoding="utf-8")
    picker.save_panel.save_button.click()
    assert "+  - [revenue, average_order_value]" in picker.save_panel.message.value
    picker.save_panel.cancel_button.click()
    assert b2b_file.read_text(encoding="utf-8") == before and not b2b_file.with_name("demo_b2b.yaml.bak").exists()
    picker.save_panel.save_button.click()
    picker.save_panel.confirm_button.click()
    assert ("revenue", "average_order_value") in kpi.load_params(b2b_file).pairs


def test_builder_without_a_params_file_cannot_save():
    builder = kpi.goal_builder(None, lang="nl")
    assert builder.save_panel.save_button.disabled
    with pytest.raises(KpiWorkbookError):
        builder.save_plan()
