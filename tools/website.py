"""The course as a website of executed lessons, and the links that open a lesson online.

Notebooks are stored without outputs, so the site executes them (with a cache, so an unchanged
lesson is never run twice) and renders each one as a page with Sphinx, myst-nb and the book theme:

    pip install -r website/requirements.txt      # once: the site's own tools
    python -m tools.website build [--quick]       # executes every lesson, writes the HTML
    python -m tools.website badges [--fix]        # checks (or writes) the lessons' badges

A maintainers' tool, run from the course folder: it is not part of the installed ``helpers``.

Every badge's link (Colab, Kaggle, Binder) is made from the course's one public address,
``[project.urls] Repository`` in pyproject.toml. The functions that make the links need nothing
beyond the standard library, so the unit tests run them without the site's tools; Sphinx and
jupyter-cache are imported only by ``build``.
"""

from __future__ import annotations

import argparse
import binascii
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from helpers import settings

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / "build" / "website"
COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
KAGGLE_BADGE_IMAGE = "https://kaggle.com/static/images/open-in-kaggle.svg"
BINDER_BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"
# The site's own copies of the badge images (in website/): it must work offline.
LOCAL_BADGE_IMAGES = {
    COLAB_BADGE_IMAGE: "colab-badge.svg",
    KAGGLE_BADGE_IMAGE: "kaggle-badge.svg",
    BINDER_BADGE_IMAGE: "binder-badge.svg",
}
BADGE_HOSTS = ("colab.research.google.com", "kaggle.com/kernels", "mybinder.org")
# A Markdown image link, [![alt](image)](target): the form every badge takes.
BADGE_LINK = r"\[!\[[^\]]*\]\([^)\s]*\)\]\([^)\s]*\)"
SETUP_CELL_START = "# Set-up (the same cell opens every lesson)"
SETUP_SHOW = "Show the set-up cell (the same in every lesson)"
SETUP_HIDE = "Hide the set-up cell"
LESSON_ROW = r"^\|.*?\[[^\]]*\]\(notebooks/(\d\d_\w+\.ipynb)\).*$"  # a README lesson-table row
NOTEBOOK_NAME = re.compile(r"\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb")
STAND_IN_MARKERS = ("StandInWarning", "GENERATED STAND-IN")
QUICK_NOTE = (
    "The numbers on this page come from **QUICK mode** (small data, few epochs), not from the "
    "full lesson: run the notebook yourself, or see the full-mode numbers in the home page's"
    " [expected results](index.md#expected-results)."
)
STAND_IN_NOTE = (
    "This lesson ran on a **generated stand-in** for a data set that could not be had when the "
    "site was built: the numbers below say nothing about the real data. Run the notebook "
    "online for real results."
)


# --- the course's public address and the Colab links made from it ------------------------


def repository_url(root: Path = ROOT) -> str:
    """The course's public GitHub address, read from ``[project.urls] Repository``.

    It is read from pyproject.toml rather than written here again, so that the set-up cell,
    the README, the notebooks and the site can never point to different places.
    """
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[project\.urls\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    match = section and re.search(r'^Repository\s*=\s*"([^"]+)"', section.group(1), re.M)
    if not match:
        raise ValueError(
            f'{root / "pyproject.toml"} has no `Repository = "https://github.com/OWNER/REPO"`'
            " line under [project.urls]: add it, it is the course's public address."
        )
    url = match.group(1).rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(
            f"[project.urls] Repository = {url!r} is not of the form"
            " https://github.com/OWNER/REPO, which Colab needs to open the notebooks."
        )
    return url


def _lesson_on_github(notebook: str, root: Path) -> tuple[str, str]:
    """The course's ``OWNER/REPO`` and the lesson's path in it, once its name is checked."""
    if not isinstance(notebook, str) or not NOTEBOOK_NAME.fullmatch(notebook):
        raise ValueError(
            f"{notebook!r} is not a lesson notebook's file name: give e.g. '06_mnist_dense.ipynb'"
            " (NN_snake_case.ipynb, without the folder)."
        )
    return repository_url(root).removeprefix("https://github.com/"), f"notebooks/{notebook}"


def colab_url(notebook: str, root: Path = ROOT) -> str:
    """The address that opens ``notebooks/<notebook>`` of the course's main branch in Colab."""
    owner_repo, path = _lesson_on_github(notebook, root)
    return f"https://colab.research.google.com/github/{owner_repo}/blob/main/{path}"


def kaggle_url(notebook: str, root: Path = ROOT) -> str:
    """The address that imports ``notebooks/<notebook>`` (main branch) into a Kaggle notebook."""
    owner_repo, path = _lesson_on_github(notebook, root)
    return (
        f"https://kaggle.com/kernels/welcome?src=https://github.com/{owner_repo}/blob/main/{path}"
    )


def binder_url(notebook: str, root: Path = ROOT) -> str:
    """The address that opens ``notebooks/<notebook>`` in JupyterLab on mybinder.org.

    Binder builds the course's environment from ``binder/`` (the README's install) first.
    """
    owner_repo, path = _lesson_on_github(notebook, root)
    return f"https://mybinder.org/v2/gh/{owner_repo}/HEAD?labpath={quote(path, safe='')}"


def colab_badge(notebook: str, root: Path = ROOT) -> str:
    """A notebook's Markdown "Open in Colab" badge."""
    return f"[![Open In Colab]({COLAB_BADGE_IMAGE})]({colab_url(notebook, root)})"


def badges(notebook: str, root: Path = ROOT) -> str:
    """The Colab, Kaggle and Binder badges in Markdown: three ways to run the lesson online.

    They are a notebook's first line and follow its link in the README's lesson table.
    """
    return " ".join(
        [
            colab_badge(notebook, root),
            f"[![Open In Kaggle]({KAGGLE_BADGE_IMAGE})]({kaggle_url(notebook, root)})",
            f"[![Launch Binder]({BINDER_BADGE_IMAGE})]({binder_url(notebook, root)})",
        ]
    )


def lesson_notebooks(root: Path = ROOT) -> list[Path]:
    """Every lesson notebook, in course order (new lessons are picked up by their file name)."""
    paths = (root / "notebooks").glob("*.ipynb")
    return sorted(p for p in paths if NOTEBOOK_NAME.fullmatch(p.name))


def _first_markdown_line(notebook: dict) -> str:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            return source.splitlines()[0] if source else ""
    return ""


def readme_with_badges(readme: str, root: Path = ROOT) -> str:
    """The README with the three badges right after the notebook link of each lesson-table row.

    Badges already there (old, wrong or partial) are replaced, so running it twice changes
    nothing the second time.
    """

    def put_badges(match: re.Match) -> str:
        return f"{match.group(1)} {badges(match.group(2), root)}"

    row_link = rf"^(\|.*?\[[^\]]*\]\(notebooks/(\d\d_\w+\.ipynb)\))(?:\s*{BADGE_LINK})*"
    return re.sub(row_link, put_badges, readme, flags=re.M)


def badge_problems(root: Path = ROOT) -> list[str]:
    """What is wrong with the badges of the notebooks and the README; empty when all is right.

    Each message says how to fix it, because a new lesson has no badges until they are added.
    """
    fix = "Write them with `python -m tools.website badges --fix`"
    problems = []
    for path in lesson_notebooks(root):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        expected = badges(path.name, root)
        if _first_markdown_line(notebook) != expected:
            problems.append(
                f"{path.name}: the first line of its first Markdown cell must be its badges"
                f"\n    {expected}\n  {fix} (edits notebooks/{path.stem}.py and runs jupytext"
                " --sync), or by hand in the .py source followed by `jupytext --sync`."
            )
    readme = (root / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(LESSON_ROW, readme, re.M)}
    for path in lesson_notebooks(root):
        if path.name not in rows:
            problems.append(f"README.md: its lesson table has no row linking to {path.name}.")
        elif badges(path.name, root) not in rows[path.name]:
            problems.append(f"README.md: the row of {path.name} lacks its badges. {fix}.")
    return problems


def add_badge(source: Path, root: Path = ROOT) -> bool:
    """Put (or correct) the badges as the first line of a lesson's first Markdown cell.

    Edits the jupytext source ``notebooks/NN_name.py`` and returns True if it changed it; the
    caller then runs ``jupytext --sync`` so that the .ipynb follows.
    """
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    line = f"# {badges(source.with_suffix('.ipynb').name, root)}\n"
    try:
        start = next(i for i, text in enumerate(lines) if text.startswith("# %% [markdown]"))
    except StopIteration:
        raise ValueError(f"{source} has no Markdown cell to put the badges in") from None
    first = start + 1
    if first < len(lines) and lines[first] == line:
        return False
    if first < len(lines) and any(host in lines[first] for host in BADGE_HOSTS):
        lines[first] = line  # old, wrong or too few badges: replace them
    else:
        lines.insert(first, line)
    source.write_text("".join(lines), encoding="utf-8")
    return True


def fix_badges(root: Path = ROOT) -> list[Path]:
    """Write the badges into every lesson (its .py, then ``jupytext --sync``) and the README.

    Returns the files it changed. The badges follow the public address, so this is what to
    run after adding a lesson or changing ``[project.urls] Repository``.
    """
    changed = []
    for path in lesson_notebooks(root):
        source = path.with_suffix(".py")
        if add_badge(source, root):
            command = [sys.executable, "-m", "jupytext", "--sync", str(source)]
            subprocess.run(command, check=True)
            changed += [source, path]
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if readme_with_badges(text, root) != text:
        readme.write_text(readme_with_badges(text, root), encoding="utf-8")
        changed.append(readme)
    return changed


# --- turning executed notebooks into pages --------------------------------------------------


def used_stand_in(notebook: dict) -> bool:
    """True when an executed lesson replaced a data set by a generated stand-in.

    ``helpers.datasets`` prints a banner and raises a ``StandInWarning`` when it does; both
    end up in the cell's outputs, which is what is searched here.
    """
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            text += "".join(
                "".join(v) if isinstance(v, list) else str(v)
                for v in output.get("data", {}).values()
            )
            if any(marker in text for marker in STAND_IN_MARKERS):
                return True
    return False


def _note_cell(kind: str, text: str, number: int) -> dict:
    source = f":::{{{kind}}}\n{text}\n:::"
    return {"cell_type": "markdown", "id": f"site-note-{number}", "metadata": {}, "source": source}


def _local_badges(text: str) -> str:
    for remote, local in LOCAL_BADGE_IMAGES.items():
        text = text.replace(remote, local)
    return text


def _is_setup_cell(cell: dict) -> bool:
    return cell["cell_type"] == "code" and "".join(cell["source"]).startswith(SETUP_CELL_START)


def prepare_page(notebook: dict, *, quick: bool) -> dict:
    """An executed notebook as its page shows it: badge images served locally, the set-up cell
    folded away, mode notes added.

    The set-up cell is the same in every lesson and says nothing about the lesson, so its code
    is collapsed behind a "show" button (myst-nb's ``hide-input`` tag; jupytext strips cell
    tags from the notebooks, so they are added here). A stand-in note goes under the title
    and above every cell that records the lesson's numbers (``helpers.record``); in QUICK mode
    a QUICK note goes above those cells as well.
    """
    notebook = json.loads(json.dumps(notebook))  # a deep copy: the cache keeps the original
    stand_in = used_stand_in(notebook)
    first_code = next((c for c in notebook["cells"] if c["cell_type"] == "code"), None)
    cells = []
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            cell["source"] = _local_badges("".join(cell["source"]))
        if cell is first_code and _is_setup_cell(cell):
            metadata = cell.setdefault("metadata", {})
            metadata["tags"] = [*metadata.get("tags", []), "hide-input"]
            metadata["mystnb"] = {"code_prompt_show": SETUP_SHOW, "code_prompt_hide": SETUP_HIDE}
        records = cell["cell_type"] == "code" and "helpers.record(" in "".join(cell["source"])
        if records and stand_in:
            cells.append(_note_cell("warning", STAND_IN_NOTE, len(cells)))
        if records and quick:
            cells.append(_note_cell("note", QUICK_NOTE, len(cells)))
        cells.append(cell)
        if number == 0 and stand_in:
            cells.append(_note_cell("warning", STAND_IN_NOTE, len(cells)))
    notebook["cells"] = cells
    return notebook


def image_alt_texts(notebook: dict) -> dict[str, str]:
    """Each figure's alt text in an executed notebook, keyed by the SHA-256 of its image.

    ``helpers.plots.describe_figures`` puts the text in each figure's output metadata;
    myst-nb names an output image's file by that digest, so the site's pages can find the
    text of every ``<img>`` they show (see ``set_alt_texts``).
    """
    texts = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            for kind in ("image/png", "image/jpeg", "image/gif"):
                alt = output.get("metadata", {}).get(kind, {}).get("alt")
                if kind in output.get("data", {}) and alt:
                    image = binascii.a2b_base64("".join(output["data"][kind]))
                    texts[hashlib.sha256(image).hexdigest()] = alt
    return texts


def set_alt_texts(app: Any, doctree: Any) -> None:
    """Sphinx's ``doctree-read`` handler: write each figure's alt text into its image node.

    myst-nb passes only an output's width and height on to the page, not its alt text.
    """
    from docutils import nodes

    source = Path(app.env.doc2path(app.env.docname))
    if source.suffix != ".ipynb":
        return
    texts = image_alt_texts(json.loads(source.read_text(encoding="utf-8")))
    for image in doctree.findall(nodes.image):
        alt = texts.get(Path(image["uri"]).stem)
        if alt:
            image["alt"] = alt


def home_page(readme: str, notebooks: list[str], root: Path = ROOT) -> str:
    """The site's home page in MyST Markdown, made from the README so the two never disagree.

    It keeps the README from its title to its expected-results table, gives every row of the
    lesson table its badges, turns links to lesson notebooks into links to their pages and
    other repository links into GitHub addresses, and adds the (hidden) table of contents
    that gives every page its navigation.
    """
    text = readme_with_badges(readme.split("\n## Repository layout", 1)[0], root)
    repo = repository_url(root)

    def relink(match: re.Match) -> str:
        target = match.group(1)
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)  # a web address or an anchor: as it is
        if target.startswith("notebooks/") and target.endswith(".ipynb"):
            return f"]({target.removeprefix('notebooks/')})"  # the lesson's page
        return f"]({repo}/blob/main/{target})"  # any other file: on GitHub

    text = _local_badges(re.sub(r"\]\(([^)\s]+)\)", relink, text))
    toc = "\n".join(Path(name).stem for name in notebooks)
    return f"{text.rstrip()}\n\n```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```\n"


def failure_message(name: str, notebook: dict, traceback: str) -> str:
    """Name the lesson and the cell whose execution failed, then give the error itself."""
    block = re.search(r"following cell:\n-+\n(.*?)\n-+\n", traceback, re.S)
    failed = block.group(1).strip() if block else None
    where = "a cell that could not be identified"
    for number, cell in enumerate(notebook["cells"]):
        source = "".join(cell["source"]).strip()
        if cell["cell_type"] == "code" and source and source == failed:
            first = source.splitlines()[0]
            where = f"cell {number + 1} (counting every cell from 1), which starts `{first}`"
            break
    tail = "\n".join(traceback.strip().splitlines()[-15:])
    return f"Lesson {name} failed to execute at {where}:\n{tail}"


# --- executing with a cache, and building -------------------------------------------------


class BuildError(RuntimeError):
    """A lesson failed to execute, or Sphinx could not build the site."""


def _fingerprint(quick: bool) -> str:
    """What an execution depends on besides the notebook's code: helpers, mode and seed."""
    digest = hashlib.sha256(f"quick={quick} seed={settings.seed()}".encode())
    helpers = ROOT / "helpers"
    for path in sorted(helpers.rglob("*.py")):  # the exercise checkers in subpackages too
        digest.update(path.relative_to(helpers).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def execute(notebooks: list[Path], *, quick: bool, workdir: Path) -> dict[str, dict]:
    """Execute the lessons through a jupyter-cache, as many at a time as there are CPU cores.

    The cache keeps each notebook's outputs under the hash of its code, so a rebuild runs only
    the lessons whose code changed; a change to ``helpers`` or to the mode empties it. Lessons
    run in ``workdir/run`` (inside the course folder, so their set-up cell finds ``helpers``,
    and whatever they save stays out of ``notebooks/``).
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    run_dir = workdir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    cache = get_cache(workdir / "cache")
    stamp = workdir / "cache-fingerprint.txt"
    if not stamp.is_file() or stamp.read_text() != _fingerprint(quick):
        cache.clear_cache()
        stamp.write_text(_fingerprint(quick))
    uris = []
    for path in notebooks:
        copy = run_dir / path.name
        shutil.copyfile(path, copy)
        cache.add_nb_to_project(str(copy))
        uris.append(str(copy))
    os.environ.update(settings.for_run(quick=quick))  # the kernels inherit it
    executor = load_executor("local-parallel", cache=cache)
    result = executor.run_and_cache(filter_uris=uris, timeout=600)
    failures = []
    for uri in result.excepted + result.errored:
        record = cache.get_project_record(uri)
        notebook = nbformat.read(uri, as_version=4)
        failures.append(failure_message(Path(uri).name, notebook, record.traceback or "(none)"))
    if failures:
        raise BuildError("\n\n".join(failures))
    executed = {}
    for uri in uris:
        record, notebook = cache.merge_match_into_file(uri)
        seconds = cache.get_cache_record(record).data.get("execution_seconds", float("nan"))
        how = "executed now" if uri in result.succeeded else "outputs taken from the cache"
        print(f"  {Path(uri).stem:<32} ran in {seconds:6.1f} s, {how}")
        executed[Path(uri).name] = json.loads(nbformat.writes(notebook))
    return executed


def already_executed(notebooks: list[Path], folder: Path) -> dict[str, dict]:
    """Lessons executed earlier (by ``pytest`` with ``DLCOURSE_EXECUTED_DIR`` set), checked.

    ``tools.keep_executed``, the test suite's plugin, writes them there.

    CI runs every notebook once under nbval; keeping those runs saves executing each lesson a
    second time for the site. A lesson missing there, or whose code has changed since, is an
    error rather than a stale page.
    """
    executed, problems = {}, []
    for path in notebooks:
        ran = folder / path.name
        if not ran.is_file():
            problems.append(f"{path.name}: not in {folder} (did every one of its cells pass?)")
            continue
        notebook = json.loads(ran.read_text(encoding="utf-8"))
        current = json.loads(path.read_text(encoding="utf-8"))

        def code(nb: dict) -> list[str]:
            return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]

        if code(notebook) != code(current):
            problems.append(f"{path.name}: its code changed since it was executed in {folder}")
            continue
        executed[path.name] = notebook
    if problems:
        raise BuildError(
            "Cannot take the executed lessons from "
            f"{folder}:\n  " + "\n  ".join(problems) + f"\nRun `{settings.EXECUTED_DIR_VAR}="
            f"{folder} pytest notebooks` first, or build without --executed."
        )
    print(f"took {len(executed)} executed lessons from {folder}")
    return executed


def build(
    *, quick: bool, notebooks: list[Path] | None = None, executed_dir: Path | None = None
) -> Path:
    """Execute the lessons (or take them from ``executed_dir``) and write the site.

    Returns the folder holding index.html: ``build/website/{quick,full}/html`` (git-ignored).
    Raises BuildError naming the lesson and cell when a notebook fails, or Sphinx's warnings
    when the site does not build.
    """
    from sphinx.application import Sphinx

    notebooks = lesson_notebooks() if notebooks is None else notebooks
    if not notebooks:
        raise BuildError("no lesson notebooks (notebooks/NN_name.ipynb) to build a site from")
    workdir = BUILD_DIR / ("quick" if quick else "full")
    started = time.perf_counter()
    if executed_dir is None:
        executed = execute(notebooks, quick=quick, workdir=workdir)
    else:
        executed = already_executed(notebooks, executed_dir)
    print(f"executed {len(executed)} lessons in {time.perf_counter() - started:.0f} s")
    src = workdir / "src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for image in LOCAL_BADGE_IMAGES.values():
        shutil.copyfile(ROOT / "website" / image, src / image)
    for name, notebook in executed.items():
        page = prepare_page(notebook, quick=quick)
        (src / name).write_text(json.dumps(page, indent=1), encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (src / "index.md").write_text(home_page(readme, list(executed)), encoding="utf-8")
    out = workdir / "html"
    shutil.rmtree(out, ignore_errors=True)
    os.environ.update(settings.for_run(quick=quick))  # conf.py shows the QUICK banner
    app = Sphinx(
        str(src),
        str(ROOT / "website"),
        str(out),
        str(workdir / "doctrees"),
        "html",
        freshenv=True,
        warningiserror=False,
        keep_going=True,
    )
    app.build()
    if app.statuscode:
        raise BuildError(f"Sphinx failed (status {app.statuscode}); see the messages above")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"site written to {out / 'index.html'} ({size / 2**20:.1f} MiB) in"
        f" {time.perf_counter() - started:.0f} s"
    )
    return out


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.website",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="execute every lesson and write the site")
    build_cmd.add_argument("--quick", action="store_true", help="QUICK mode (what CI runs)")
    build_cmd.add_argument(
        "--executed",
        type=Path,
        metavar="DIR",
        help=f"take the executed lessons from DIR (written by pytest with "
        f"{settings.EXECUTED_DIR_VAR}) instead of running them again; the mode must be the one "
        "they ran in",
    )
    build_cmd.add_argument(
        "lessons", nargs="*", metavar="NN", help="only these lessons, e.g. 00 03 (default: all)"
    )
    badges_cmd = commands.add_parser(
        "badges", help="check the Colab, Kaggle and Binder badges of the notebooks and README"
    )
    badges_cmd.add_argument("--fix", action="store_true", help="write or correct the badges")
    args = parser.parse_args(argv)

    if args.command == "badges":
        if args.fix:
            for path in fix_badges(root):
                print(f"wrote the badges into {path.relative_to(root)}")
        problems = badge_problems(root)
        every = "every notebook's and README row's Colab, Kaggle and Binder badges point to"
        print("\n".join(problems) or f"{every} {repository_url(root)}")
        return 1 if problems else 0

    notebooks = lesson_notebooks()
    if args.lessons:
        notebooks = [p for p in notebooks if p.name[:2] in args.lessons]
        missing = set(args.lessons) - {p.name[:2] for p in notebooks}
        if missing:
            parser.error(f"no lesson numbered {sorted(missing)} in notebooks/")
    try:
        build(quick=args.quick, notebooks=notebooks, executed_dir=args.executed)
    except BuildError as error:
        print(f"\nSITE BUILD FAILED\n{error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
