"""The package's shape: no import cycle between core packages nor between any two modules
(Python and TypeScript, imports inside functions and type-only ones included), no door imported
by the core, no module too long to read, no top-level package holding more than a fifth of the
Python, and docs/developers.md naming every module."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "python" / "nbops"
CORE = {
    "capture", "data", "loop", "store", "pipeline", "reports", "config", "exceptions", "names",
    "credentials", "durable", "execution", "reproduction", "steps",
}  # fmt: skip
DOORS = {"magics", "server", "cli", "api"}
FORBIDDEN_IN_CORE = ("jupyter_server", "IPython", "tornado")
MAX_LINES = 500
FRONTEND = ROOT / "labextension" / "src"
LARGEST_SHARE = 0.20


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


# MLflow's tracking client and stores: only nbops.store reaches them (the fluent API for models,
# mlflow.models and mlflow.autolog, is the user's own and may be used anywhere, with its errors)
SEALED = ("mlflow.tracking", "mlflow.client", "mlflow.store", "mlflow.entities")


def _outside_store():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] not in ("store", "labextension"):
            yield path


def test_nothing_outside_the_store_reaches_mlflows_client():
    """The Store is sealed: no import of MLflow's client or stores, and no ``.client`` of a store,
    in any module outside ``nbops.store``."""
    found = []
    for path in _outside_store():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _imports(path)
        found += [
            (path.name, n) for n in names if n.startswith(SEALED) or n == "mlflow.MlflowClient"
        ]
        found += [
            (path.name, f"line {node.lineno}: .client")
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "client"
        ]
    assert not found, f"MLflow's client outside nbops.store: {found}"


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


def python_modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def python_imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Which of the package's modules each module imports, anywhere in it."""
    graph = {}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                prefix = ".".join(base + ([node.module] if node.module else []))
                found.add(prefix)
                found.update(f"{prefix}.{alias.name}" for alias in node.names)
        # a module's own packages are imported with it: not an edge back
        graph[name] = {f for f in found if f in modules and not name.startswith(f + ".")} - {name}
    return graph


def typescript_imports() -> dict[str, set[str]]:
    """Which of the frontend's files each file imports (`import type` included)."""
    files = {p.relative_to(FRONTEND).with_suffix("").as_posix(): p for p in _sources()}
    graph = {}
    for name, path in files.items():
        targets = set()
        for spec in re.findall(r"""from\s+['"](\.[^'"]+)['"]""", path.read_text()):
            target = (Path(name).parent / spec).as_posix()
            target = str(Path(target)).replace("\\", "/")
            parts: list[str] = []
            for part in target.split("/"):
                if part == "..":
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            resolved = "/".join(parts)
            targets.add(resolved if resolved in files else f"{resolved}/index")
        graph[name] = targets & files.keys()
    return graph


def _sources():
    for pattern in ("*.ts", "*.tsx"):
        for path in FRONTEND.rglob(pattern):
            if "__tests__" not in path.parts:
                yield path


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_python_module_imports_one_that_imports_it():
    assert cycles(python_imports(python_modules())) == []


def test_no_typescript_file_imports_one_that_imports_it():
    assert cycles(typescript_imports()) == []


def test_the_module_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_top_level_package_holds_more_than_a_fifth_of_the_python():
    lines: dict[str, int] = {}
    for name, path in python_modules().items():
        top = name.split(".")[1] if "." in name else name
        lines[top] = lines.get(top, 0) + len(path.read_text().splitlines())
    total = sum(lines.values())
    largest = max(lines, key=lines.get)
    assert lines[largest] <= LARGEST_SHARE * total, (largest, lines[largest], total)


def module_map() -> dict[str, str]:
    """docs/developers.md's map of the package: the text of each top-level package's lines
    (``""`` for the top-level modules), from the first code block after the Architecture title."""
    guide = (ROOT / "docs" / "developers.md").read_text()
    block = guide.split("## Architecture", 1)[1].split("```", 2)[1]
    groups: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        if line and not line[0].isspace():
            first = line.split()[0]
            current = first.split("/")[0] if first.endswith("/") else ""
        groups[current] = groups.get(current, "") + " " + line
    return groups


def test_the_developers_guide_names_every_module():
    groups = module_map()
    missing = []
    for name, path in python_modules().items():
        parts = name.split(".")[1:]
        if path.name == "__init__.py" or parts[-1].startswith("_"):
            continue
        package = parts[0] if len(parts) > 1 else ""
        if not re.search(rf"\b{re.escape(path.name)}\b", groups.get(package, "")):
            missing.append(name)
    assert missing == [], f"docs/developers.md's map does not name: {', '.join(missing)}"
