"""A real notebook, run by nbclient (what nbconvert and Jupyter's own runners use) in a real python3 kernel:
a cell ending in trace(...) has exactly one output, its HTML; an assignment has none; nothing is printed."""

import os
from pathlib import Path

import pytest

if os.environ.get("CI"):  # the test extra installs them: missing under CI is a failure, not a skip
    import nbclient
    import nbformat
else:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]

CELLS = [
    "import dropout_trace\nfrom dropout_trace import trace",
    "trace(rate=0.3, shape=(None, 4), brief=True)",
    "t = trace(rate=0.3, shape=(None, 4))",
    "t",
    "display(t)",
    "print(dropout_trace.__file__)",
]


def run_notebook(tmp_path):
    from jupyter_client.kernelspec import NoSuchKernel

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute(env=env, cwd=str(tmp_path))
    except NoSuchKernel:
        if os.environ.get("CI"):
            raise
        pytest.skip("no python3 kernelspec installed")
    return nb


def test_each_cell_shows_the_trace_once_and_prints_nothing(tmp_path):
    nb = run_notebook(tmp_path)
    outputs = [cell.outputs for cell in nb.cells]
    where = outputs[5][0]
    assert where.output_type == "stream" and where.text.strip().startswith(str(ROOT / "dropout_trace")), where
    assert outputs[0] == [] and outputs[2] == []  # an import and an assignment show nothing, not even TF's logs
    for k in (1, 3, 4):
        (shown,) = outputs[k]  # exactly one output: no copy drawn by rich itself, no stream
        assert shown.output_type == ("display_data" if k == 4 else "execute_result")
        html = shown.data["text/html"]
        assert html.count('<div class="dt">') == 1 and html.count("<style>") == 1
        assert "check passed" in html and "<table" in html and "<script" not in html
        assert "dropout_trace trace:" in shown.data["text/plain"]  # the one-line repr, never the whole trace
    assert "\n7 keep_mask" in _text(outputs[1][0].data["text/html"])  # brief=True drew the brief view


def _text(html: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html))
