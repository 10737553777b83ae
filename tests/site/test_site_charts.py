"""Charts: well-formed inline SVG, one mark per bar or attempt, scales that fit the data, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from agentspec.publish.charts import Bar, Point, Series, score_chart, time_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: str) -> ET.Element:
    """The chart's SVG element (charts come in a box, with a legend for the time chart)."""
    box = ET.fromstring(chart)
    svg = box.find("{http://www.w3.org/2000/svg}svg")
    assert svg is not None
    return svg


def test_the_time_chart_has_a_legend_for_its_dots() -> None:
    box = ET.fromstring(time_chart([("", [Series("a", [Point(1.0, "passed", "")])])], "Time"))
    legend = "".join(box.itertext())
    assert all(word in legend for word in ("passed", "failed", "error", "median"))


def test_score_chart_has_a_bar_and_a_whisker_per_row() -> None:
    bars = [Bar("claude-code ollama/<b>", 7, 8, (0.5, 0.97)), Bar("none", 0, 8, (0.0, 0.32))]
    root = parse(score_chart(bars))
    assert len(root.findall(f".//{SVG}rect")) == 2
    assert len(root.findall(f".//{SVG}line[@class='as-whisker']")) == 2
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "claude-code ollama/<b>" in texts and "7/8" in texts and "0/8" in texts


def test_time_chart_draws_every_attempt_and_a_box_when_there_are_several() -> None:
    many = Series("a", [Point(s, "passed" if s < 40 else "failed", f"{s}s") for s in (30.0, 35.0, 41.0, 52.0)])
    one = Series("b", [Point(12.0, "error", "12s")])
    root = parse(time_chart([("task-1", [many, one])], "Time"))
    assert len(root.findall(f".//{SVG}circle")) == 5
    assert len(root.findall(f".//{SVG}rect[@class='as-box']")) == 1
    assert {c.get("class") for c in root.iter(f"{SVG}circle")} == {
        "as-dot as-passed",
        "as-dot as-failed",
        "as-dot as-error",
    }
    assert "log scale" not in root.get("aria-label", "")


def test_time_chart_uses_a_log_scale_when_times_span_orders_of_magnitude() -> None:
    series = Series("a", [Point(0.3, "passed", ""), Point(900.0, "failed", "")])
    root = parse(time_chart([("", [series])], "Time"))
    assert "log scale" in (root.get("aria-label") or "")
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "as-tick"]
    assert "1s" in ticks and "100s" in ticks


def test_empty_and_zero_inputs_still_draw() -> None:
    parse(time_chart([("t", [Series("a", [])])], "Time"))
    parse(time_chart([("t", [Series("a", [Point(0.0, "passed", "")])])], "Time"))
    parse(score_chart([Bar("x", 0, 0, (0.0, 0.0))]))
