"""The test suite's plugin that keeps what nbval executed, so the website shows those runs.

With ``DLCOURSE_EXECUTED_DIR`` set, every notebook whose cells all passed is written there with
its outputs; ``python -m tools.website build --quick --executed DIR`` then renders those pages
without executing the lessons a second time (CI does this: .ci/run). The root conftest.py loads
it (``pytest_plugins``); without the variable it does nothing.
"""

from __future__ import annotations

import copy
from pathlib import Path

from helpers import settings

_executed: dict = {}


def pytest_runtest_makereport(item, call):
    """Remember each notebook cell's outputs and whether it passed (nbval items only)."""
    if call.when != "call" or not hasattr(item, "test_outputs") or settings.executed_dir() is None:
        return
    cells = _executed.setdefault(item.parent, {})
    cells[id(item.cell)] = (item.test_outputs or [], call.excinfo is None)


def pytest_sessionfinish(session):
    """Write every notebook whose code cells all ran and passed, numbered as if run in Jupyter."""
    target = settings.executed_dir()
    if target is None or not _executed:
        return
    import nbformat

    target.mkdir(parents=True, exist_ok=True)
    for notebook_file, cells in _executed.items():
        code = [c for c in notebook_file.nb.cells if c.cell_type == "code"]
        if len(cells) != len(code) or not all(ok for _, ok in cells.values()):
            continue  # not every cell ran, or one failed: no page from this run
        notebook = copy.deepcopy(notebook_file.nb)
        copies = (c for c in notebook.cells if c.cell_type == "code")
        for count, (cell, original) in enumerate(zip(copies, code, strict=True), start=1):
            cell.execution_count = count
            cell.outputs = []
            for output in cells[id(original)][0]:
                output = copy.deepcopy(output)
                if output.output_type == "execute_result":
                    output.execution_count = count
                cell.outputs.append(output)
        nbformat.validate(notebook)
        nbformat.write(notebook, target / Path(str(notebook_file.fspath)).name)
