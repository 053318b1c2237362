"""The parameter schema of a step, read from its ``parameters`` cell the way papermill reads it,
and the parsing of user-given values to that schema (before any kernel starts)."""

from __future__ import annotations

import ast
import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..exceptions import InputError

TYPES = ("int", "float", "str", "bool", "list", "dict", "any")
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}
_INVALID = object()


@dataclass
class Parameter:
    """One parameter: ``name``, ``type`` (one of ``TYPES``), ``default``, ``help``, ``required``."""

    name: str
    type: str
    default: object = None
    help: str = ""
    required: bool = False

    def to_dict(self) -> dict:
        """A YAML/JSON-ready dict."""
        return asdict(self)


def _inspect(notebook: Path, kernel: str | None) -> dict:
    """papermill's view of the parameters cell, read as the kernel ``kernel`` would run it."""
    import nbformat
    from papermill.inspection import inspect_notebook

    nb = nbformat.read(notebook, as_version=4)
    spec = nb.metadata.get("kernelspec") or {}
    language = spec.get("language") or (nb.metadata.get("language_info") or {}).get("name")
    if kernel is None or (spec.get("name") == kernel and language):
        return inspect_notebook(str(notebook))
    from .kernels import installed_kernels

    language = installed_kernels().get(kernel) or "python"
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": language}
    nb.metadata["language_info"] = {"name": language}  # papermill prefers it to the kernelspec
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / notebook.name
        nbformat.write(nb, copy)
        return inspect_notebook(str(copy))


def _type_of(default: object, annotation: str) -> str:
    annotation = annotation.strip().lower()
    if annotation in TYPES:
        return annotation
    if annotation.startswith("optional[") and annotation[9:-1] in TYPES:
        return annotation[9:-1]
    if isinstance(default, bool):
        return "bool"
    for name, kind in (
        ("int", int),
        ("float", float),
        ("str", str),
        ("list", list),
        ("dict", dict),
    ):
        if isinstance(default, kind):
            return name
    return "any"


def infer_schema(notebook: Path, kernel: str | None = None) -> list[Parameter]:
    """Read the parameters of ``notebook``'s ``parameters`` cell (empty list if it has none).

    Parameters
    ----------
    notebook:
        Path of the notebook.
    kernel:
        The kernel it runs with, when that is not the one its metadata names (or it names none):
        papermill picks the language of the parameters cell from it.

    Types come from an annotation (``n: int = 3``) or from the literal default; the help text from
    a trailing comment. A parameter is required when its comment starts with ``required`` or when
    it is annotated with a type but defaults to ``None``.
    """
    found = _inspect(notebook, kernel)
    schema = []
    for spec in found.values():
        source = spec["default"]
        try:
            default = ast.literal_eval(source)
        except (ValueError, SyntaxError):
            default = source  # an expression: kept as its source text
        annotation = "" if spec["inferred_type_name"] == "None" else spec["inferred_type_name"]
        kind = _type_of(default, annotation)
        text = spec["help"] or ""
        required = text.lower().startswith("required") or (
            default is None and kind != "any" and not annotation.lower().startswith("optional")
        )
        schema.append(Parameter(spec["name"], kind, default, text, required))
    return schema


def _convert(parameter: Parameter, value: object) -> object:
    kind, text = parameter.type, value
    if kind == "str":
        return value if isinstance(value, str) else _INVALID
    if isinstance(value, str):
        if kind == "bool":
            low = value.strip().lower()
            return True if low in _TRUE else False if low in _FALSE else _INVALID
        if kind == "int":
            try:
                return int(value.strip())
            except ValueError:
                return _INVALID
        if kind == "float":
            try:
                return float(value.strip())
            except ValueError:
                return _INVALID
        try:
            text = json.loads(value)
        except ValueError:
            import yaml

            try:
                text = yaml.safe_load(value)
            except yaml.YAMLError:
                return value if kind == "any" else _INVALID
    if kind == "any":
        return text
    if kind == "float" and isinstance(text, int) and not isinstance(text, bool):
        return float(text)
    expected = {"int": int, "float": float, "bool": bool, "list": list, "dict": dict}[kind]
    if isinstance(text, bool) and kind != "bool":
        return _INVALID
    return text if isinstance(text, expected) else _INVALID


def parse_parameters(schema: list[Parameter], given: dict[str, object]) -> dict[str, object]:
    """Check and convert user-given values against ``schema``; return the values to inject.

    Parameters
    ----------
    schema:
        The step's parameters.
    given:
        Values by name: strings from the command line, or typed values from a YAML file.

    Raises :class:`InputError` naming the parameter, the expected type and the allowed names, for an
    unknown name, a value that does not convert, or a missing required parameter.
    """
    by_name = {p.name: p for p in schema}
    allowed = ", ".join(f"{p.name} ({p.type})" for p in schema) or "none (no parameters cell)"
    for name in given:
        if name not in by_name:
            raise InputError(f"Unknown parameter {name!r}.", f"This step's parameters: {allowed}.")
    values = {}
    for name, value in given.items():
        converted = _convert(by_name[name], value)
        if converted is _INVALID:
            raise InputError(
                f"The parameter {name!r} expects {by_name[name].type}, which {value!r} is not.",
                f"This step's parameters: {allowed}.",
            )
        values[name] = converted
    missing = [p.name for p in schema if p.required and p.name not in values]
    if missing:
        raise InputError(
            f"Missing required parameter(s): {', '.join(missing)}.",
            f"Give them with -p NAME VALUE. This step's parameters: {allowed}.",
        )
    return values
