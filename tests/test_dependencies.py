"""Every third-party package that helpers or a lesson imports is declared in pyproject.toml."""

import ast
import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # the standard library's TOML reader, Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
# import name -> distribution name, where they differ
DISTRIBUTION = {"sklearn": "scikit-learn", "imblearn": "imbalanced-learn", "PIL": "pillow"}
# Installed by requirements.txt as the notebook and test tooling, not by the package itself.
TOOLING = {"IPython", "nbclient", "nbformat", "pytest"}


def imported_top_level(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {re.split(r"[\s<>=!;\[~]", r, maxsplit=1)[0].lower() for r in requirements}


def site_tools() -> set[str]:
    """The website's own tools (website/requirements.txt), which only tools.website imports."""
    lines = (ROOT / "website" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    names = {re.split(r"[\s<>=!;\[~#]", line, maxsplit=1)[0] for line in lines}
    return {name.lower().replace("-", "_") for name in names if name}


def test_every_import_is_declared():
    sources = [*(ROOT / "helpers").rglob("*.py"), *(ROOT / "notebooks").glob("*.py")]
    third_party = set().union(*(imported_top_level(p) for p in sources))
    third_party -= set(sys.stdlib_module_names) | {"helpers", "__future__"} | TOOLING
    names = {DISTRIBUTION.get(name, name).lower() for name in third_party}
    missing = names - declared() - {"tensorflow"}  # a build is chosen by an extra (see below)
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_tensorflow_is_offered_per_build_not_required():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    plain = {re.split(r"[\s<>=!;\[~]", r, maxsplit=1)[0] for r in project["dependencies"]}
    assert not plain & {"tensorflow", "tensorflow-cpu"}, (
        "a plain TensorFlow dependency would install one build beside another"
    )
    extras = project["optional-dependencies"]
    assert any(r.startswith("tensorflow-cpu") for r in extras["cpu"])
    assert any(r.startswith("tensorflow[and-cuda]") for r in extras["gpu"])


def test_the_website_imports_only_the_course_and_its_site_tools():
    imported = imported_top_level(ROOT / "tools" / "website.py")
    imported -= set(sys.stdlib_module_names) | {"helpers", "tools", "__future__"} | TOOLING
    names = {DISTRIBUTION.get(name, name).lower() for name in imported}
    missing = names - declared() - site_tools()
    assert not missing, (
        f"tools/website.py imports {sorted(missing)}: add them to website/requirements.txt"
    )


def test_the_other_maintainers_tools_need_only_the_course_stack():
    """tools.measure and the test suite's plugin run in the course's own environment."""
    sources = [p for p in (ROOT / "tools").glob("*.py") if p.name != "website.py"]
    imported = set().union(*(imported_top_level(p) for p in sources))
    imported -= set(sys.stdlib_module_names) | {"helpers", "tools", "__future__"} | TOOLING
    names = {DISTRIBUTION.get(name, name).lower() for name in imported}
    assert not names - declared(), f"tools/ imports {sorted(names - declared())}"


def test_the_maintainers_tools_are_not_installed():
    import fnmatch

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert any(fnmatch.fnmatch("helpers", pattern) for pattern in include)
    assert not any(fnmatch.fnmatch("tools", pattern) for pattern in include), (
        "tools/ is for maintainers: keep it out of [tool.setuptools] packages.find"
    )
