"""Export a tagged notebook as a versioned, content-addressed pipeline step."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from ..capture.environment import installed_packages
from ..capture.git import git_state
from ..config import experiment_name, find_project
from ..exceptions import InputError, NbopsError
from ..names import ENVIRONMENT_FILE
from .files import collect_files
from .kernels import choose_kernel, installed_kernels
from .schema import Parameter, infer_schema
from .tags import PARAMETERS, SKIP, has_tag
from .versions import FILES_DIR, LOCK, MANIFEST, NOTEBOOK, STEPS_DIR, Manifest

VERSION_LENGTH = 12
STEP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # as a request names a step (server/paths.py)
KEPT_METADATA = ("kernelspec", "language_info")
CELL_ID = re.compile(r"[a-zA-Z0-9-_]{1,64}")  # nbformat 4.5's schema
CELL_KEYS = {  # what nbformat 4.5 allows in a cell; a later minor version may add more
    "code": ("id", "cell_type", "metadata", "source", "outputs", "execution_count"),
    "markdown": ("id", "cell_type", "metadata", "source", "attachments"),
    "raw": ("id", "cell_type", "metadata", "source", "attachments"),
}
OUTPUT_KEYS = {
    "stream": ("output_type", "name", "text"),
    "display_data": ("output_type", "data", "metadata"),
    "execute_result": ("output_type", "execution_count", "data", "metadata"),
    "error": ("output_type", "ename", "evalue", "traceback"),
}


@dataclass
class ExportResult:
    """Where a step was exported and whether anything was written."""

    folder: Path
    manifest: Manifest
    written: bool

    @property
    def has_parameters(self) -> bool:
        """Whether the notebook had a ``parameters`` cell with assignments."""
        return bool(self.manifest.parameters)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook of any version nbformat reads, as version 4, and validate it.

    Cell ids are normalized as nbformat does (missing or repeated ones replaced), and so are ids
    that break the schema's pattern, as papermill runs such notebooks; a later minor version is
    written down to this nbformat's (the properties it does not know dropped).
    :class:`InputError` names the file and the problem.
    """
    if not path.is_file():
        raise InputError(f"No notebook at {path}.", "Give the path of an .ipynb file.")
    try:
        raw = nbformat.reader.reads(path.read_text(encoding="utf-8"))
        original = nbformat.reader.get_version(raw)
        with warnings.catch_warnings():  # nbformat's conversion warns of the ids it invents
            warnings.simplefilter("ignore")
            nb = nbformat.from_dict(nbformat.convert(raw, 4))
        _as_current(nb, path)
        _repair_cell_ids(nb, invented=original < (4, 5))
        nbformat.validate(nb)
    except InputError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, nbformat.ValidationError) as err:
        raise _invalid(path, err) from err
    return nb


def _invalid(path: Path, err: Exception) -> InputError:
    if isinstance(err, KeyError):
        problem = f"it has no {err.args[0]!r}"
    else:
        problem = str(err).strip().splitlines()[0]
    return InputError(
        f"{path} is not a valid notebook: {problem}.",
        "Open it in JupyterLab and save it again, or check that it is an .ipynb file.",
    )


def runnable_text(path: Path) -> str:
    """The notebook as a kernel runs it: read (any version), normalized, as nbformat 4 JSON."""
    return nbformat.writes(read_notebook(path))


def _as_current(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a later minor version down to this nbformat's, as its reader does: the properties it
    does not know dropped (papermill writes the executed notebook in this version)."""
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) <= (4, nbformat.v4.nbformat_minor):
        return
    for key in set(nb) - {"cells", "metadata", "nbformat", "nbformat_minor"}:
        del nb[key]
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") not in CELL_KEYS:
            raise InputError(
                f"Cell {index} of {path} is of type {cell.get('cell_type')!r}, which nbformat "
                f"{nbformat.__version__} does not know (the notebook is of version "
                f"4.{nb.nbformat_minor}).",
                "Upgrade nbformat, or open the notebook in JupyterLab and remove that cell.",
            )
        for key in set(cell) - set(CELL_KEYS[cell.cell_type]):
            del cell[key]
        if "outputs" in cell:  # outputs of kinds it does not know dropped: running remakes them
            cell.outputs = [o for o in cell.outputs if o.get("output_type") in OUTPUT_KEYS]
        for output in cell.get("outputs", []):
            for key in set(output) - set(OUTPUT_KEYS[output.output_type]):
                del output[key]
    nb.nbformat_minor = nbformat.v4.nbformat_minor


def _repair_cell_ids(nb: nbformat.NotebookNode, invented: bool) -> None:
    """Give each cell of a 4.5 notebook a valid, unique id, as nbformat's ``normalize`` does for
    missing and repeated ones, and for ids that break the schema's pattern too; but derived from
    the cell's place (or its id), not random, so that a step's version stays its content's.

    ``invented``: the file had no ids (before 4.5): the ids conversion made up are replaced.
    """
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) < (4, 5):
        return
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        given = None if invented else cell.get("id")
        if isinstance(given, str) and CELL_ID.fullmatch(given) and given not in seen:
            seen.add(given)
            continue
        base = re.sub(r"[^a-zA-Z0-9-_]+", "-", str(given or "")).strip("-")[:48] or "cell"
        candidate = f"{base}-{index}"
        while candidate in seen:
            candidate = f"{candidate}-{index}"
        cell["id"] = candidate
        seen.add(candidate)


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The step version of a notebook: skip cells dropped, outputs cleared, metadata trimmed."""
    step = nbformat.v4.new_notebook()
    step.metadata = {k: nb.metadata[k] for k in KEPT_METADATA if k in nb.metadata}
    for cell in nb.cells:
        if has_tag(cell, SKIP):
            continue
        copy = nbformat.from_dict(json.loads(json.dumps(cell)))
        copy.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if copy.cell_type == "code":
            copy.outputs, copy.execution_count = [], None
        if "id" not in copy:  # nbformat before 4.5 had none; a step (4.5) needs them, stable
            copy["id"] = f"cell-{len(step.cells)}"
        step.cells.append(copy)
    nbformat.validate(step)
    return step


def declared_data(nb: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """Snapshot names the notebook reads (``load_snapshot("x")``) and writes (``role="output"``)."""
    inputs, outputs = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(python_source(cell.source))
        except SyntaxError:  # not Python: nothing to declare
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = _literal_arg(node, 0 if node.func.attr == "load_snapshot" else 1, "name")
            if node.func.attr == "load_snapshot" and name:
                inputs.append(name)
            role = _literal_arg(node, 2, "role")
            if node.func.attr == "snapshot" and name and role == "output":
                outputs.append(name)
    return sorted(set(inputs)), sorted(set(outputs))


def python_source(source: str) -> str:
    """The Python in a cell: the body of a cell magic, line magics and shell escapes blanked."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        lines = ["", *lines[1:]]
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _literal_arg(call: ast.Call, position: int, keyword: str) -> str | None:
    node = next((k.value for k in call.keywords if k.arg == keyword), None)
    if node is None and len(call.args) > position:
        node = call.args[position]
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def environment_lock(source: Path) -> str:
    """A requirements file: packages of the source notebook's latest run, else the current ones."""
    packages = _last_run_packages(source) or installed_packages()
    return "".join(f"{name}=={version}\n" for name, version in sorted(packages.items()))


def _last_run_packages(source: Path) -> dict[str, str] | None:
    from ..config import load_settings
    from ..store import open_store

    try:
        settings = load_settings(source.parent)
        store = open_store(settings)
        runs = store.list_runs(
            experiment_name(source, settings.project), limit=1, status="FINISHED"
        )
        if runs:
            return json.loads(store.load_text(runs[0].run_id, ENVIRONMENT_FILE)).get("packages")
    except NbopsError:
        return None  # no store or no recorded environment: the current one is the lock
    return None


def step_version(
    step_json: str, lock: str, parameters: list[Parameter], files: dict[str, bytes] | None = None
) -> str:
    """The content hash naming a step version (its notebook, lock, parameters and files)."""
    digest = hashlib.sha256()
    for part in (step_json, lock, json.dumps([p.to_dict() for p in parameters], default=str)):
        digest.update(part.encode())
        digest.update(b"\0")
    for path, data in sorted((files or {}).items()):
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:VERSION_LENGTH]


def default_step_name(stem: str) -> str:
    """A step name from a notebook's file name: what is not a letter, digit, ``-`` or ``_``
    becomes ``-`` (``test4.5.ipynb`` is exported as ``test4-5``)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")
    return name or "step"


def export(
    notebook: str | Path,
    name: str | None = None,
    out: str | Path | None = None,
    kernel: str | None = None,
    files: list[str] | None = None,
):
    """Export a tagged notebook as a step: ``<out>/<name>/<version>/{step.ipynb,step.yaml,...}``.

    Parameters
    ----------
    notebook:
        The source notebook.
    name:
        The step's name (default: the notebook's file name without ``.ipynb``).
    out:
        The steps folder (default: ``<project>/steps``).
    kernel:
        The kernel the step runs with (default: the notebook's, else the Python kernel).
    files:
        Files and folders the notebook needs beside it (paths relative to the working
        directory, in the notebook's folder or below): copied into the step's ``files/``.

    Exporting unchanged content again gives the same version and writes nothing.
    """
    source = Path(notebook).resolve()
    nb = read_notebook(source)
    name = name or default_step_name(source.stem)
    if not STEP_NAME.fullmatch(name):
        raise InputError(
            f"The step name {name!r} is not valid.",
            "Use letters, digits, - and _, starting with a letter or a digit.",
        )
    project = find_project(source.parent)
    step = normalize(nb)
    chosen = choose_kernel(nb.metadata, str(notebook), kernel)
    if step.metadata.get("kernelspec", {}).get("name") != chosen:  # the step names its kernel
        language = installed_kernels().get(chosen, "")
        step.metadata["kernelspec"] = {"name": chosen, "display_name": chosen, "language": language}
    step_json = nbformat.writes(step)
    tagged = any(has_tag(c, PARAMETERS) for c in step.cells)
    parameters = infer_schema(source, chosen) if tagged else []
    lock = environment_lock(source)
    carried = collect_files(
        files or [], Path.cwd(), source.parent, project, f"nbops export {notebook}"
    )
    version = step_version(step_json, lock, parameters, carried)
    folder = Path(out or project / STEPS_DIR).resolve() / name / version
    inputs, outputs = declared_data(step)
    git = git_state(source.parent)
    manifest = Manifest(
        name=name,
        version=version,
        source=experiment_name(source, project),
        git_commit=git["commit"] if git else None,
        kernel=chosen,
        parameters=parameters,
        inputs=inputs,
        outputs=outputs,
        files=sorted(carried),
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if (folder / MANIFEST).is_file():
        return ExportResult(folder, Manifest.read(folder), written=False)
    folder.mkdir(parents=True)
    (folder / NOTEBOOK).write_text(step_json, encoding="utf-8")
    (folder / LOCK).write_text(lock, encoding="utf-8")
    for relative, data in carried.items():
        (folder / FILES_DIR / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / FILES_DIR / relative).write_bytes(data)
    (folder / MANIFEST).write_text(manifest.to_yaml(), encoding="utf-8")
    return ExportResult(folder, manifest, written=True)
