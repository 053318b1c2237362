"""A report of a notebook that is not trusted: whatever the output type, no output adds a style,
a handler, a ``javascript:`` link, an element outside its output area, or a forged header."""

import base64

import nbformat.v4 as v4
import pytest
from bs4 import BeautifulSoup

from nbops.reports.exporter import render_report
from nbops.store import RunSummary

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
ATTACK = (
    "<style>.nbops-card{display:none}</style>"
    "<h1 class='nbops-card'><span class='nbops-status nbops-status-FINISHED'>FORGED</span></h1>"
    "<img src=x onerror=alert(1)><a href='javascript:alert(2)'>link</a>"
    "<svg><a href='javascript:alert(3)'><text>x</text></a></svg>"
    "<form action='javascript:alert(4)'><button>go</button></form>"
    "</pre></div></div></div></div></div></main></body>"
    "<p class='escaped'>after</p><style>body{display:none}</style>"
)
OUTPUT_TYPES = ["text/html", "text/markdown", "image/svg+xml", "text/vnd.mermaid", "text/latex"]


def render(cells, nb_metadata=None) -> BeautifulSoup:
    nb = v4.new_notebook(cells=cells)
    nb.metadata.update(nb_metadata or {})
    run = RunSummary("a" * 32, "r", "nb.ipynb", "FAILED", 1, 2)
    return BeautifulSoup(render_report(nb, run, "sqlite:///x.db"), "html.parser")


def output(mime: str, value, **metadata):
    return v4.new_output("display_data", {mime: value, "text/plain": "plain"}, metadata=metadata)


def assert_nothing_escaped(page: BeautifulSoup) -> None:
    body = page.body
    assert body.find_all("style") == [], "a notebook added a style"
    assert body.find_all(["script", "form", "iframe", "object", "embed"]) == []
    for element in body.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), f"handler {name} on <{element.name}>"
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert "javascript:" not in text.lower(), f"{name}={text!r} on <{element.name}>"
    cards = page.select(".nbops-card")
    assert len(cards) == 1 and "Run report" in cards[0].get_text()
    statuses = page.select(".nbops-status")
    assert [s.get_text(strip=True) for s in statuses] == ["FAILED"]
    for escaped in page.select(".escaped"):  # content stays inside the cells
        assert escaped.find_parent(class_="jp-Cell") is not None
    assert page.find("main") is not None and page.main.find_parent("body") is body


@pytest.mark.parametrize("mime", OUTPUT_TYPES)
def test_no_output_type_can_restyle_forge_or_escape_the_report(mime):
    page = render([v4.new_code_cell("x", outputs=[output(mime, ATTACK)])])
    assert_nothing_escaped(page)


def test_markdown_cells_and_stream_and_error_outputs_are_kept_harmless():
    error = v4.new_output("error", ename="E", evalue=ATTACK, traceback=[ATTACK])
    stream = v4.new_output("stream", name="stdout", text=ATTACK)
    page = render([v4.new_markdown_cell(ATTACK), v4.new_code_cell(ATTACK, outputs=[stream, error])])
    assert_nothing_escaped(page)


def test_image_metadata_cannot_add_attributes_or_point_at_files():
    encoded = base64.b64encode(PNG_1X1).decode()
    hostile = output(
        "image/png",
        encoded,
        width="1 onerror=alert(1)",
        height=3,
        filenames={"image/png": "/etc/passwd"},
    )
    page = render([v4.new_code_cell("x", outputs=[hostile])])
    assert_nothing_escaped(page)
    (image,) = page.body.select("img")
    assert image["src"].startswith("data:image/png;base64,") and "width" not in image.attrs
    assert image["height"] == "3"


def test_the_mermaid_source_is_shown_as_text():
    page = render([v4.new_code_cell("x", outputs=[output("text/vnd.mermaid", "graph TD; A-->B")])])
    assert "graph TD; A--&gt;B" in str(page.body) or "graph TD; A-->B" in page.body.get_text()
    assert page.body.select("pre.mermaid") == []


HUGE = {
    "data": {"sequence": {"start": 0, "stop": 50_000_000, "as": "x"}},
    "mark": "point",
    "encoding": {"x": {"field": "x", "type": "quantitative"}},
}
SMALL = {"data": {"values": [{"x": 1}, {"x": 2}]}, "mark": "point",
         "encoding": {"x": {"field": "x", "type": "quantitative"}}}  # fmt: skip


def chart(spec):
    return v4.new_output(
        "display_data", {"application/vnd.vegalite.v5+json": spec, "text/plain": "c"}
    )


def test_a_chart_over_the_time_limit_is_named_and_the_others_are_not_lost(monkeypatch):
    import nbops.reports.chart_images as charts

    monkeypatch.setattr(charts, "CHART_TIMEOUT_S", 1)
    page = render([v4.new_code_cell("x", outputs=[chart(HUGE)])])
    assert "could not be drawn in the report: drawing took longer than 1 s" in page.get_text()
    assert page.body.select("img") == []
    page = render([v4.new_code_cell("x", outputs=[chart(SMALL)])])  # the server draws on
    assert len(page.body.select("img")) == 1


def test_a_chart_over_the_memory_limit_costs_its_own_process(monkeypatch):
    import os

    import nbops.reports.chart_images as charts

    monkeypatch.setattr(charts, "CHART_MEMORY_BYTES", 300_000_000)
    pid = os.getpid()
    page = render([v4.new_code_cell("x", outputs=[chart(HUGE), chart(SMALL)])])
    assert "it needed more memory than the 300.0 MB allowed" in page.get_text()
    assert os.getpid() == pid and page.body.select("img") == []
