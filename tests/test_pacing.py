"""Goal pacing (statuses, seasonal expectation) and seasonality profiles."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from kpi_helpers.compute.pacing import AT_RISK_AT, pace_goal, pace_goals, pace_status, seasonality
from kpi_helpers.exceptions import GoalError
from kpi_helpers.spec.catalog import Kpi


def kpi(id, type="sum", num=None, den=None, direction="higher"):
    return Kpi(
        id=id,
        labels={"en": id, "nl": id},
        descriptions={},
        domain="sales",
        kind="performance",
        type=type,
        numerator=((num or id, 1),),
        denominator=((den, 1),) if den else None,
        direction=direction,
    )


CAT = {
    k.id: k
    for k in (
        kpi("revenue"),
        kpi("orders"),
        kpi("sessions"),
        kpi("ad_spend", direction="lower"),
        kpi("conversion_rate", "ratio", "orders", "sessions"),
    )
}


def flat(start, end, per_day=100.0):
    dates = pd.date_range(start, end, freq="D")
    return pd.DataFrame({"date": dates, "revenue": per_day, "orders": 2.0, "sessions": 100.0, "ad_spend": per_day})


def goal(target, kpi="revenue", start="2024-01-01", deadline="2024-01-31"):
    return {
        "id": f"g_{kpi}",
        "statement": "s",
        "owner": "Ann",
        "kpi": kpi,
        "target": target,
        "start": dt.date.fromisoformat(start),
        "deadline": dt.date.fromisoformat(deadline),
    }


def test_status_thresholds_and_mirror():
    assert pace_status(100, 100) == "on_track"
    assert pace_status(100 * AT_RISK_AT, 100) == "at_risk"
    assert pace_status(94, 100) == "off_track"
    assert pace_status(100, 100, "lower") == "on_track"
    assert pace_status(104, 100, "lower") == "at_risk"
    assert pace_status(106, 100, "lower") == "off_track"
    assert pace_status(-98, -100) == "on_track"  # a smaller loss
    assert pace_status(math.nan, 100) == "at_risk"


@pytest.mark.parametrize("target,status", [(3000, "on_track"), (3200, "at_risk"), (3500, "off_track")])
def test_linear_pacing_statuses(target, status):
    # 10 of 31 days done at 100/day, no history a year back -> linear / recent run-rate
    p = pace_goal(flat("2023-12-01", "2024-01-10"), goal(target), catalog=CAT)
    assert p.as_of == pd.Timestamp("2024-01-10")  # last date in the data, never today
    assert p.actual_to_date == 1000 and p.days_left == 21
    assert p.elapsed_fraction == pytest.approx(10 / 31)
    assert p.expected_seasonal is None and p.expected == pytest.approx(target * 10 / 31)
    assert p.forecast == pytest.approx(3100) and p.forecast_method == "recent"
    assert p.required_run_rate == pytest.approx((target - 1000) / 21)
    assert p.status == status
    assert p.to_dict()["status"] == status


def test_seasonal_expectation_uses_last_years_shape():
    # two full years (2022, 2023) with the same busy start of January: a season to pace on
    f = flat("2021-12-01", "2024-01-10")
    ly = (f["date"] >= "2023-01-02") & (f["date"] <= "2023-01-11")  # 364 days before 2024-01-01..10
    f.loc[ly, "revenue"] = 400.0  # last year: the first 10 days were busy -> 4000 of 6100
    f.loc[(f["date"] >= "2022-01-03") & (f["date"] <= "2022-01-12"), "revenue"] = 400.0  # and the year before
    p = pace_goal(f, goal(3100), catalog=CAT)
    assert p.expected_method == "seasonal"
    assert p.expected_seasonal == pytest.approx(3100 * 4000 / 6100)
    assert p.expected == p.expected_seasonal and p.expected_linear == pytest.approx(1000)
    assert p.forecast_method == "seasonal"
    assert p.forecast == pytest.approx(1000 * 6100 / 4000)  # 1525: behind last year's pace
    assert p.status == "off_track"


def test_ratio_and_lower_is_better_goals():
    f = flat("2024-01-01", "2024-01-15")
    p = pace_goal(f, goal(0.02, "conversion_rate"), catalog=CAT)
    assert p.actual_to_date == pytest.approx(0.02) and p.forecast == pytest.approx(0.02)
    assert p.required_run_rate is None and p.status == "on_track"
    spend = pace_goal(f, goal(2900, "ad_spend"), catalog=CAT)  # forecast 3100 > 105 % of 2900
    assert spend.status == "off_track"
    table = pace_goals(f, [goal(0.02, "conversion_rate"), goal(3000)], catalog=CAT)
    assert list(table["goal_id"]) == ["g_conversion_rate", "g_revenue"] and "owner" in table


def test_as_of_and_errors():
    f = flat("2024-01-01", "2024-01-31")
    p = pace_goal(f, goal(3100), as_of="2024-02-15", catalog=CAT)
    assert p.days_left == 0 and p.forecast == 3100 and p.status == "on_track" and p.required_run_rate is None
    with pytest.raises(GoalError):
        pace_goal(f, goal(1, deadline="2023-12-01"), catalog=CAT)


def test_seasonality_profiles_full_years():
    dates = pd.date_range("2022-01-01", "2023-12-31", freq="D")
    rev = np.where(dates.month == 12, 200.0, 100.0) * np.where(dates.day_of_week >= 5, 0.5, 1.0)
    f = pd.DataFrame({"date": dates, "revenue": rev})
    f = pd.concat([f, pd.DataFrame({"date": [pd.Timestamp("2024-01-01")], "revenue": [1e6]})])  # partial year ignored
    s = seasonality(f, "revenue", catalog=CAT)
    assert s.basis == "full_years" and s.years == 2 and s.established
    assert (s.start, s.end) == (pd.Timestamp("2022-01-01"), pd.Timestamp("2023-12-31"))
    assert s.peak_months == [12] and s.quiet_months == []
    assert s.month_profile.mean() == pytest.approx(1.0)
    assert s.month_profile[12] / s.month_profile[1] == pytest.approx(2.0, rel=0.02)
    assert s.weekday_profile[5] / s.weekday_profile[0] == pytest.approx(0.5, rel=0.02)
