"""Reports of real runs: header, hidden cells, no-input, sanitizing, embedded images and charts."""

import base64
import re
import struct

import pytest
from click.testing import CliRunner

from nbops.capture.session import Session
from nbops.cli import main
from nbops.execution.run import run
from nbops.steps.export import export

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PLOT = (
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
    "from IPython.display import Image, display\nimport io\n"
    "fig, ax = plt.subplots(); ax.plot([1, 3, 2]); buf = io.BytesIO(); fig.savefig(buf)\n"
    "display(Image(buf.getvalue()))"
)
CHART = (
    "from IPython.display import display\n"
    "spec = {'data': {'values': [{'x': i, 'y': i * i} for i in range(10)]}, 'mark': 'line',\n"
    "        'width': 300, 'height': 200,\n"
    "        'encoding': {'x': {'field': 'x', 'type': 'quantitative'},\n"
    "                     'y': {'field': 'y', 'type': 'quantitative'}}}\n"
    "display({'application/vnd.vegalite.v5+json': spec, 'text/plain': 'CHART TEXT'}, raw=True)"
)
HOSTILE = (
    "from IPython.display import HTML, Javascript, display\n"
    "display(HTML('<b>bold</b><script>alert(1)</script><img src=x onerror=alert(2)>'))\n"
    "display(Javascript('alert(3)'))"
)


@pytest.fixture
def report_html(jp_nbops_notebook_factory):
    notebook = jp_nbops_notebook_factory(
        "report.ipynb",
        [
            ("alpha = 0.5", ["parameters"]),
            ("from IPython.display import Markdown\nMarkdown('# Results\\n\\nSome *text*.')", []),
            ("import nbops\nnbops.log_metrics({'rmse': 1.25})", []),
            ("print('visible output')", []),
            ("print('HIDDEN OUTPUT')", ["nbops:report-hide"]),
            (PLOT, []),
            (CHART, []),
            (HOSTILE, []),
        ],
    )
    export(notebook)
    result = run("report", {"alpha": "0.75"}, progress=False)
    assert result.ok, result.error
    return result, result.report.read_text()


def test_header_card(report_html):
    result, html = report_html
    header = html[html.index("nbops-card") : html.index("</section>")]
    for expected in (
        "FINISHED",
        result.run_id,
        "alpha",
        "0.75",
        "rmse",
        "1.25",
        "Python",
        "Step version",
        "report.ipynb",
        "mlflow ui --backend-store-uri",
    ):
        assert expected in header, expected


def test_markdown_is_rendered_not_escaped(report_html):
    _, html = report_html
    assert re.search(r"<h1[^>]*>Results", html) and "<em>text</em>" in html
    assert "&lt;h1" not in html


def test_hidden_cells_and_sanitizing(report_html):
    _, html = report_html
    assert "visible output" in html and "HIDDEN OUTPUT" not in html
    assert "<script" not in html  # no script at all: not ours, not the notebook's
    assert not re.search(r"<img[^>]*onerror", html)
    assert html.count("alert(3)") == 1  # in the code cell's source only: the JS output is dropped
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_images_are_embedded(report_html):
    _, html = report_html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    assert not re.search(r'<(img|link)[^>]+(src|href)="https?://', html)


def test_report_command_for_an_interactive_run_without_input(jp_nbops_notebook_factory, tmp_path):
    notebook = jp_nbops_notebook_factory("interactive.ipynb", [("x = 41 + 1\nprint(x)", [])])
    session = Session(notebook=notebook)
    run_id = session.start_run("by hand")
    session.log_metrics({"answer": 42})
    session.close()
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", run_id, "-o", str(out), "--no-input"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "by hand" in html and "answer" in html
    assert "41 + 1" not in html  # --no-input hides the code


def test_report_of_unknown_run(jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    result = CliRunner().invoke(main, ["report", "0" * 32])
    assert result.exit_code == 1 and "No run with id" in result.output


def png_widths(html):
    """The pixel widths of the PNG images embedded in ``html``, in order."""
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', html)
    return [struct.unpack(">I", base64.b64decode(image)[16:20])[0] for image in images]


def svg_images(html):
    """The SVG images embedded in ``html``, as text."""
    images = re.findall(r'<img[^>]+src="data:image/svg\+xml;base64,([^"]+)"', html)
    return [base64.b64decode(image).decode() for image in images]


def test_a_vega_lite_chart_is_drawn_as_an_image(report_html):
    """A report runs no script, so the chart JupyterLab draws with JavaScript is drawn as an SVG
    image instead of its text line."""
    _, html = report_html
    assert png_widths(html) == [640]  # matplotlib's figure, as it was
    (chart,) = svg_images(html)
    width = int(re.search(r'<svg[^>]+width="(\d+)"', chart).group(1))
    assert width >= 300  # 300 wide, with its axes
    assert chart.count("<path") >= 3  # axes and the line
    assert html.count("CHART TEXT") == 1  # in the code only: the image replaces the text line


def chart_output(spec, **more):
    import nbformat.v4 as v4

    data = {"application/vnd.vegalite.v5+json": spec, "text/plain": "<chart>", **more}
    return v4.new_output("display_data", data)


def render(*outputs):
    import nbformat.v4 as v4

    from nbops.reports.exporter import render_report
    from nbops.store import RunSummary

    nb = v4.new_notebook(cells=[v4.new_code_cell("chart", outputs=list(outputs))])
    return render_report(nb, RunSummary("a" * 32, "r", "nb.ipynb", "FINISHED", 1, 2), "sqlite:///x")


def test_a_chart_that_loads_data_from_outside_is_not_drawn_and_the_report_says_why():
    spec = {
        "data": {"url": "http://127.0.0.1:9/secret.json"},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "nominal"}},
    }
    html = render(chart_output(spec))
    assert png_widths(html) == [] and svg_images(html) == []
    assert "This chart could not be drawn in the report" in html
    assert "External data url not allowed: http://127.0.0.1:9/secret.json" in html
    assert "&lt;chart&gt;" in html  # the output's own text still follows


def test_a_chart_that_already_has_an_image_keeps_it():
    spec = {"data": {"values": [{"a": 1}]}, "mark": "bar"}
    html = render(chart_output(spec, **{"image/png": base64.b64encode(PNG_1X1).decode()}))
    assert png_widths(html) == [1] and svg_images(html) == []


def test_a_widgets_output_is_reported_as_its_html_table_even_with_saved_state():
    """``%nbops runs`` shows a widget in a kernel; its output also holds the plain table, which
    a report (no scripts) shows, even where JupyterLab saved the widgets' state."""
    import nbformat.v4 as v4

    from nbops.reports.exporter import render_report
    from nbops.store import RunSummary

    view = {"version_major": 2, "version_minor": 0, "model_id": "m1"}
    output = v4.new_output(
        "display_data",
        {
            "application/vnd.jupyter.widget-view+json": view,
            "text/html": "<table class='nbops-runs'><tr><td>PLAIN TABLE</td></tr></table>",
            "text/plain": "Runs of nb.ipynb",
        },
    )
    nb = v4.new_notebook(cells=[v4.new_code_cell("%nbops runs", outputs=[output])])
    state = {"state": {"m1": {"model_name": "VBoxModel", "state": {}}}}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
    run = RunSummary("a" * 32, "r", "nb.ipynb", "FINISHED", 1, 2)
    html = render_report(nb, run, "sqlite:///x.db")
    assert "PLAIN TABLE" in html
    assert "widget-view+json" not in html
