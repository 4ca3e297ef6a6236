"""The package's layout: its public names, no import cycle, imports that run down the layers.

The import graph is read from the source with `ast`, every import statement counted wherever
it stands (in a function, under TYPE_CHECKING), except the lazy ones of the package face,
`diplokg/__init__.py`, which may name anything since they run only when a user asks.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import types
from collections.abc import Mapping
from pathlib import Path

import pytest

import diplokg
from diplokg.build.pipeline import SHARED_CODE

PACKAGE = Path(diplokg.__file__).parent

# From the bottom up: a module may import its own layer and those below, never above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "diplokg.__version__",
            "diplokg.config",
            "diplokg.errors",
            "diplokg.formats",
            "diplokg.namespaces",
        ),
    ),
    (
        "shared",
        (
            "diplokg.dataset",
            "diplokg.events",
            "diplokg.frames",
            "diplokg.permalinks",
            "diplokg.protocol",
            "diplokg.queries",
            "diplokg.rdfio",
            "diplokg.rdfxml",
            "diplokg.results",
            "diplokg.search",
            "diplokg.sparql_client",
            "diplokg.sparql_text",
            "diplokg.terms",
            "diplokg.versions",
        ),
    ),
    ("build wing", ("diplokg.build",)),
    # the drafting wing (issue 14): it reads pages and writes drafts the build reads as inputs;
    # it may use the shared modules and the build's sentence splitter, never the server
    ("drafting wing", ("diplokg.draft",)),
    ("server wing", ("diplokg.server",)),
    (
        "Python API, exports, publishing",
        ("diplokg.api", "diplokg.charts", "diplokg.export", "diplokg.publish"),
    ),
    ("command line", ("diplokg.cli",)),
]
FACE = "diplokg"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runs_later(node: ast.stmt) -> bool:
    """A function body, or a block for the type checker only."""
    if isinstance(node, ast.If):
        return "TYPE_CHECKING" in ast.unparse(node.test)
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)


def _lazy(tree: ast.Module) -> set[ast.AST]:
    """The import statements of a module that do not run when it is imported."""
    return {inner for node in tree.body if _runs_later(node) for inner in ast.walk(node)}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package in `root` and the package's modules it imports."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    package = root.name
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy = _lazy(tree) if name == package else set()
        found: set[str] = set()
        for node in ast.walk(tree):
            if node in lazy:
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] == package)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    here = here[: len(here) - node.level + 1]
                    base = ".".join([*here, base] if base else here)
                if base.split(".")[0] != package:
                    continue
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    found.add(submodule if submodule in paths else base)
        graph[name] = found - {name}
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of imports as the list of modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)) is not None:
            return cycle
    return None


def layer(module: str) -> int:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(f"{p}.") for p in prefixes):
            return index
    raise LookupError(
        f"{module} belongs to no layer: add it to LAYERS in tests/project/test_layout.py"
    )


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that runs up the layers (the face may only import the base eagerly)."""
    found = []
    for module, targets in sorted(graph.items()):
        ceiling = 0 if module == FACE else layer(module)
        for target in sorted(targets):
            if layer(target) > ceiling:
                found.append(f"{module} -> {target}")
    return found


# -- the public names ------------------------------------------------------------------------


def test_public_names_are_pinned() -> None:
    assert diplokg.__all__ == [
        "DamagedDist",
        "DiplokgError",
        "EvidenceError",
        "InputError",
        "KnowledgeGraph",
        "LintFailed",
        "ParameterError",
        "QueryError",
        "Settings",
        "UnknownQueryError",
        "UnknownResourceError",
        "ValidationFailed",
        "__version__",
    ]


def test_every_public_name_is_exported() -> None:
    # As httpx does, with the submodules (attributes once imported) left out.
    public = {
        name
        for name in dir(diplokg)
        if (not name.startswith("_") or name == "__version__")
        and not isinstance(getattr(diplokg, name), types.ModuleType)
    }
    assert sorted(diplokg.__all__) == sorted(public)


def test_importing_diplokg_loads_neither_pandas_nor_rdflib() -> None:
    code = "import sys, diplokg; print(sorted({'pandas', 'rdflib'} & set(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


# -- the import graph ------------------------------------------------------------------------


def test_the_package_has_no_import_cycle() -> None:
    assert find_cycle(import_graph(PACKAGE)) is None


def test_the_cycle_check_finds_a_cycle_even_through_a_function(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from pkg import b\n")
    (root / "b.py").write_text("def f():\n    from pkg.a import x\n    return x\n")
    (root / "c.py").write_text("from . import a\n")
    graph = import_graph(root)
    assert graph["pkg.c"] == {"pkg.a"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]


def test_imports_run_down_the_layers() -> None:
    assert upward_imports(import_graph(PACKAGE)) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        pytest.param(
            {"diplokg.dataset": {"diplokg.build.pipeline"}},
            ["diplokg.dataset -> diplokg.build.pipeline"],
            id="shared-module-up-to-the-build",
        ),
        pytest.param(
            {"diplokg.build.dist": {"diplokg.server.engine"}},
            ["diplokg.build.dist -> diplokg.server.engine"],
            id="build-wing-to-server-wing",
        ),
        pytest.param(
            {"diplokg.draft.drafter": {"diplokg.server.linked_data"}},
            ["diplokg.draft.drafter -> diplokg.server.linked_data"],
            id="drafting-wing-to-server-wing",
        ),
        pytest.param(
            {"diplokg.build.pipeline": {"diplokg.draft.drafter"}},
            ["diplokg.build.pipeline -> diplokg.draft.drafter"],
            id="build-wing-to-drafting-wing",
        ),
        pytest.param({"diplokg": {"diplokg.api"}}, ["diplokg -> diplokg.api"], id="eager-face"),
    ],
)
def test_the_layer_check_finds_an_upward_import(
    graph: dict[str, set[str]], expected: list[str]
) -> None:
    assert upward_imports(graph) == expected


def test_the_face_imports_the_api_only_lazily() -> None:
    graph = import_graph(PACKAGE)
    assert "diplokg.api" not in graph[FACE]


def test_every_module_has_a_layer() -> None:
    for module in import_graph(PACKAGE):
        if module != FACE:
            layer(module)


def test_the_build_key_covers_the_shared_code_the_build_runs() -> None:
    # Every module the build wing reaches, but config and errors (no output depends on them)
    # and the version (in the key itself), is hashed into the build's cache key.
    graph = import_graph(PACKAGE)
    reached: set[str] = set()
    pending = [m for m in graph if m.startswith("diplokg.build")]
    while pending:
        for target in graph[pending.pop()]:
            if target not in reached:
                reached.add(target)
                pending.append(target)
    shared = {m for m in reached if not m.startswith("diplokg.build")}
    hashed = {f"diplokg.{name.removesuffix('.py')}" for name in SHARED_CODE}
    assert shared - {"diplokg.config", "diplokg.errors", "diplokg.__version__"} == hashed


def test_the_readme_map_names_every_module() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    development = readme[readme.index("## Development") :]
    tree = development[: development.index("```", development.index("```") + 3)]
    listed = set(re.findall(r"[\w.]+\.py|\w+/", tree))
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if path.name == "__init__.py" and relative.parent != Path("."):
            assert f"{relative.parent}/" in listed, relative.parent
        else:
            assert path.name in listed, relative


def test_no_file_of_the_project_names_a_folder_beside_it() -> None:
    # The repository stands alone (issue 11): nothing reads ../shared or the like.
    repo = PACKAGE.parents[1]
    skip = {".git", ".venv", "dist", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
    named = []
    for path in repo.rglob("*"):
        if skip & set(path.relative_to(repo).parts) or not path.is_file():
            continue
        if path.suffix in (".png", ".whl", ".pyc") or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "../shared" in text or "/work/shared" in text:
            named.append(str(path.relative_to(repo)))
    assert named == [str(Path(__file__).relative_to(repo))]  # this test's own text
