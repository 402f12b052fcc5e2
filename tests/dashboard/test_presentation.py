"""The chart's geometry and the template filters that format figures."""
from __future__ import annotations

import datetime as dt

import pytest

from dashboard.charts import activity_chart, nice_maximum
from dashboard.selectors import DayActivity
from dashboard.templatetags.dashboard_tags import age, p_value, percent, share_width


@pytest.mark.parametrize(("value", "expected"), [(0, 4), (3, 4), (7, 8), (97, 100), (101, 120), (125, 160), (2400, 2400), (2401, 3200)])
def test_nice_maximum_is_a_round_axis_top_at_or_above_the_value(value, expected):
    assert nice_maximum(value) == expected


def _days(values):
    first = dt.date(2025, 3, 3)  # a Monday
    return [DayActivity(first + dt.timedelta(days=i), sent, replies) for i, (sent, replies) in enumerate(values)]


def test_chart_bars_scale_to_the_axis_and_weekends_are_marked():
    chart = activity_chart(_days([(100, 10), (50, 5), (0, 0), (25, 2), (75, 8), (10, 1), (0, 0)]), width=760, height=240)
    assert [t.label for t in chart.y_ticks] == ["0", "25", "50", "75", "100"]
    tallest, half = chart.bars[0], chart.bars[1]
    assert tallest.height == pytest.approx(chart.plot_height)
    assert half.height == pytest.approx(chart.plot_height / 2)
    assert chart.bars[2].height == 0
    assert [b.weekend for b in chart.bars] == [False] * 5 + [True, True]
    assert len(chart.weekend_bands) == 2
    assert chart.reply_line.count(",") == 7
    assert (chart.total_sent, chart.total_replies) == (260, 26)
    assert chart.x_ticks[0].label == "Mar 3"


def test_empty_chart_still_has_an_axis():
    chart = activity_chart(_days([(0, 0)] * 30))
    assert [t.label for t in chart.y_ticks][-1] == "4"
    assert all(b.height == 0 for b in chart.bars)


def test_percent_and_share_width():
    assert percent(0.1234) == "12.3%"
    assert percent(None) == "—"
    assert percent(0.5, 0) == "50%"
    assert share_width(1.7) == "100.0%" and share_width(None) == "0%" and share_width(0.25) == "25.0%"


def test_age_reads_in_two_units():
    now = dt.datetime(2025, 3, 12, 14, 0, tzinfo=dt.UTC)
    assert age(now - dt.timedelta(days=2, hours=18, minutes=5), now) == "2 d 18 h"
    assert age(now - dt.timedelta(hours=16, minutes=33), now) == "16 h 33 min"
    assert age(now - dt.timedelta(minutes=5), now) == "5 min"
    assert age(now, now) == "just now"
    assert age(None, now) == "—"


def test_p_value():
    assert p_value(0.0491) == "p = 0.049"
    assert p_value(0.00001) == "p < 0.001"
    assert p_value(None) == ""
