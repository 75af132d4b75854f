"""Re-run lessons over several seeds and summarise their recorded numbers for the README.

    python -m tools.measure 08 09 10 --seeds 0 1 2              # full mode
    python -m tools.measure 06 --seeds 0 1 2 --quick            # QUICK mode

Each run executes the notebook top to bottom in a fresh kernel (as a learner would), with
``DLCOURSE_SEED`` set, and collects what the notebook passed to ``helpers.record``. The
table gives each metric as mean ± standard deviation over the seeds, and the wall time;
a run whose cell fails is reported and makes the exit code 1; what it recorded before the failing
cell stays in the table (a lesson records its parts as it goes), its wall time does not.

A maintainers' tool, run from the course folder: it is not part of the installed ``helpers``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from helpers import settings

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def find_notebook(lesson: str) -> Path:
    """The notebook of a lesson given by number ("08") or name ("08_customer_churn")."""
    matches = sorted(NOTEBOOKS.glob(f"{lesson}*.ipynb"))
    if len(matches) != 1:
        known = ", ".join(p.stem for p in sorted(NOTEBOOKS.glob("*.ipynb")))
        raise ValueError(f"No single lesson matches {lesson!r}. Lessons: {known}.")
    return matches[0]


def run_notebook(path: Path, seed: int, quick: bool, results_file: Path) -> float:
    """Execute one notebook in a fresh kernel; return its wall time in seconds."""
    import nbclient
    import nbformat

    os.environ.update(settings.for_run(quick=quick, seed=seed, results=results_file))
    os.environ["MPLBACKEND"] = "Agg"
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def summarise(rows: list[dict], times: dict[str, list[float]]) -> str:
    """A Markdown table: one line per lesson and mode, each metric as mean ± sd over seeds."""
    lines = [
        "| lesson | mode | seeds | metrics (mean ± sd) | wall time (s) |",
        "|---|---|---|---|---|",
    ]
    keys = sorted({(r["lesson"], r["quick"]) for r in rows})
    for lesson, quick in keys:
        mine = [r for r in rows if (r["lesson"], r["quick"]) == (lesson, quick)]
        names = list(
            dict.fromkeys(k for r in mine for k in r if k not in ("lesson", "seed", "quick"))
        )
        metrics = []
        for name in names:
            values = [r[name] for r in mine if name in r]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            mean = statistics.mean(values)
            if mean != 0 and abs(mean) < 1e-2:  # e.g. a weight difference of 1.5e-08
                metrics.append(f"{name} {mean:.2e} ± {sd:.1e} (max {max(values):.2e})")
            else:
                metrics.append(f"{name} {mean:.3f} ± {sd:.3f}")
        seconds = times.get(f"{lesson}/{'quick' if quick else 'full'}", [])
        wall = f"{statistics.mean(seconds):.0f}" if seconds else "n/a"
        seeds = ",".join(dict.fromkeys(str(r["seed"]) for r in mine))
        mode = "QUICK" if quick else "full"
        lines.append(f"| {lesson} | {mode} | {seeds} | {'; '.join(metrics)} | {wall} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    import nbclient.exceptions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="+", help='lesson numbers or names, e.g. "08"')
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="run in QUICK mode")
    args = parser.parse_args(argv)
    paths = [find_notebook(lesson) for lesson in args.lessons]
    results = Path(tempfile.mkdtemp()) / "results.jsonl"
    times: dict[str, list[float]] = {}
    failures = []
    for path in paths:
        for seed in args.seeds:
            try:
                seconds = run_notebook(path, seed, args.quick, results)
            except nbclient.exceptions.CellExecutionError as error:
                failures.append(f"{path.name} seed {seed}")
                print(f"{path.name} seed {seed}: FAILED\n{str(error)[-800:]}", flush=True)
                continue
            key = f"{path.name[:2]}/{'quick' if args.quick else 'full'}"
            times.setdefault(key, []).append(seconds)
            print(f"{path.name} seed {seed}: {seconds:.0f} s", flush=True)
    rows = (
        [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    )
    table = summarise(rows, times)
    print(table)
    if failures:
        raise SystemExit(
            "Runs that failed (no wall time; what they recorded before failing is in the table): "
            + ", ".join(failures)
        )
    return table


if __name__ == "__main__":
    main()
