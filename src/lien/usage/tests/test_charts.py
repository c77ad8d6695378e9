"""The server-drawn SVG charts: valid XML, titled for screen readers, light."""

from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from lien.usage import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    root = ElementTree.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    title = root.find(f"{SVG}title")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == title.get("id")
    return root, title


DAYS = [(f"{day:02d}/11", day * 1000) for day in range(1, 31)]


@pytest.mark.parametrize(
    "svg",
    [
        charts.column_chart("c", "Pages vues par jour", DAYS),
        charts.line_chart(
            "l",
            "Connexions",
            [label for label, _ in DAYS],
            [("A", [v for _, v in DAYS]), ("B", [1] * 30)],
        ),
        charts.bar_chart(
            "b", "Pages vues par profil", [("Élève", 11_600_000), ("Parent", 933_300)]
        ),
    ],
)
def test_each_chart_is_a_titled_svg_image_of_a_few_kilobytes(svg):
    root, title = parse(svg)
    assert title.text
    assert len(str(svg).encode()) < 8 * 1024
    assert root.find(f".//{SVG}script") is None


def test_columns_are_as_high_as_their_values():
    root, _ = parse(charts.column_chart("c", "t", [("a", 50), ("b", 100), ("c", 0)]))
    heights = [float(rect.get("height")) for rect in root.iter(f"{SVG}rect")]
    assert len(heights) == 2
    assert heights[1] == pytest.approx(2 * heights[0])


def test_the_axis_reads_french_numbers():
    root, _ = parse(charts.bar_chart("b", "t", [("Élève", 11_600_000)]))
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "11\xa0600\xa0000" in texts


def test_labels_are_escaped_and_shortened():
    root, title = parse(
        charts.bar_chart("b", "<b>titre</b> & co", [("<script>alert(1)</script>" * 3, 1)])
    )
    assert title.text == "<b>titre</b> & co"
    assert root.find(f".//{SVG}script") is None
    label = next(root.iter(f"{SVG}text")).text
    assert label.startswith("<script>") and label.endswith("…")
    assert len(label) == charts.LABEL_CHARACTERS


def test_empty_charts_still_draw():
    for svg in (
        charts.column_chart("c", "t", []),
        charts.line_chart("l", "t", [], [("A", [])]),
        charts.bar_chart("b", "t", []),
    ):
        parse(svg)


def test_over_two_months_the_columns_are_weeks():
    start = date(2026, 1, 5)  # a Monday
    by_day = [(start + timedelta(days=offset), 1) for offset in range(70)]
    unit, columns = charts.days_for_chart(by_day)
    assert unit == "par semaine"
    assert columns[0] == ("05/01", 7)
    assert len(columns) == 10
    unit, columns = charts.days_for_chart(by_day[:62])
    assert unit == "par jour"
    assert len(columns) == 62
