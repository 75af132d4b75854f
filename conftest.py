"""Test-suite settings shared by the unit tests and the nbval notebook runs.

Notebooks run in QUICK mode, and read data from the offline mirror ``../shared/datasets``
when it sits beside the repository, so the suite needs no network. Kernels started by
nbval inherit these environment variables.
"""

import os
from pathlib import Path

import matplotlib

ROOT = Path(__file__).resolve().parent
MIRROR = ROOT.parent / "shared" / "datasets"

os.environ["DLCOURSE_QUICK"] = "1"
# Unit tests draw off-screen; the notebooks' kernels keep Jupyter's inline backend, so that
# their figures are drawn as a learner sees them (and can become the website's pages).
matplotlib.use("Agg")
if MIRROR.is_dir() and "DLCOURSE_DATA_MIRROR" not in os.environ:
    os.environ["DLCOURSE_DATA_MIRROR"] = str(MIRROR)

# --- Keeping what nbval executed, so the website shows these runs instead of repeating them ----
# With DLCOURSE_EXECUTED_DIR set, every notebook whose cells all passed is written there with its
# outputs; `python -m helpers.website build --quick --executed DIR` then renders those pages
# without executing the lessons a second time (CI does this: .ci/run).
EXECUTED_ENV = "DLCOURSE_EXECUTED_DIR"
_executed: dict = {}


def pytest_runtest_makereport(item, call):
    """Remember each notebook cell's outputs and whether it passed (nbval items only)."""
    if call.when != "call" or not hasattr(item, "test_outputs") or not os.environ.get(EXECUTED_ENV):
        return
    cells = _executed.setdefault(item.parent, {})
    cells[id(item.cell)] = (item.test_outputs or [], call.excinfo is None)


def pytest_sessionfinish(session):
    target = os.environ.get(EXECUTED_ENV)
    if not target or not _executed:
        return
    import copy

    import nbformat

    Path(target).mkdir(parents=True, exist_ok=True)
    for notebook_file, cells in _executed.items():
        code = [c for c in notebook_file.nb.cells if c.cell_type == "code"]
        if len(cells) != len(code) or not all(ok for _, ok in cells.values()):
            continue  # not every cell ran, or one failed: no page from this run
        notebook = copy.deepcopy(notebook_file.nb)
        for count, (cell, original) in enumerate(zip(
            (c for c in notebook.cells if c.cell_type == "code"), code, strict=True), start=1
        ):
            cell.execution_count = count
            cell.outputs = []
            for output in cells[id(original)][0]:
                output = copy.deepcopy(output)
                if output.output_type == "execute_result":
                    output.execution_count = count
                cell.outputs.append(output)
        nbformat.validate(notebook)
        nbformat.write(notebook, Path(target) / Path(str(notebook_file.fspath)).name)
