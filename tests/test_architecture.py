"""The package's shape: no import cycle between core packages, no door imported by the core,
no module too long to read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "python" / "nbops"
CORE = {
    "capture", "data", "loop", "store", "pipeline", "reports", "config", "exceptions", "names",
    "credentials", "durable",
}  # fmt: skip
DOORS = {"magics", "server", "cli", "api"}
FORBIDDEN_IN_CORE = ("jupyter_server", "IPython", "tornado")
MAX_LINES = 500


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The absolute names of every module ``path`` imports (``from . import x`` gives ``.x``)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _package_of(name: str) -> str | None:
    """The nbops subpackage (or top module) ``name`` belongs to, ``None`` outside nbops."""
    parts = name.split(".")
    if parts[0] != "nbops" or len(parts) == 1:
        return None
    return parts[1]


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "labextension" in path.parts:
            continue
        source = _package_of(_module(path))
        if source is None:
            continue
        targets = {_package_of(name) for name in _imports(path)}
        modules = {p.stem for p in PACKAGE.iterdir()} | {"_version"}
        graph.setdefault(source, set()).update(
            t for t in targets if t and t != source and t in modules
        )
    return graph


def _cycle(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """One cycle among ``nodes``, as a path, or ``None``."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, set()) & nodes):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state and (found := visit(node, [node])):
            return found
    return None


def test_no_import_cycle_between_core_packages():
    graph = _package_graph()
    assert _cycle(graph, CORE) is None, f"import cycle: {' -> '.join(_cycle(graph, CORE))}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}, {"a", "b", "c"}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}, {"a", "b"}) is None


@pytest.mark.parametrize("package", sorted(CORE))
def test_the_core_imports_no_door(package):
    files = [PACKAGE / f"{package}.py"] if (PACKAGE / f"{package}.py").exists() else []
    files += sorted((PACKAGE / package).rglob("*.py")) if (PACKAGE / package).is_dir() else []
    assert files
    for path in files:
        names = _imports(path)
        doors = {n for n in names if _package_of(n) in DOORS}
        libraries = {n for n in names if n.split(".")[0] in FORBIDDEN_IN_CORE}
        assert not doors and not libraries, f"{path.relative_to(ROOT)} imports {doors | libraries}"


def test_names_imports_nothing_of_nbops():
    assert not {n for n in _imports(PACKAGE / "names.py") if n.startswith("nbops")}


def test_no_module_is_too_long():
    python = [
        p for p in PACKAGE.rglob("*.py") if "labextension" not in p.relative_to(PACKAGE).parts
    ]
    sources = [*python, *(ROOT / "labextension" / "src").rglob("*.ts*")]
    long = {
        str(p.relative_to(ROOT)): n
        for p in sources
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
