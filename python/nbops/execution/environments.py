"""The environment a headless run executes in: checked against a lock, or rebuilt from a record.

A step's lock (``requirements.txt``, written by ``nbops export``) is compared with the packages of
the kernel that will execute it (:func:`check_lock`). ``nbops reproduce --env rebuild`` makes a
virtual environment holding a run's recorded packages at their recorded versions
(:func:`rebuild`): a fresh folder, cached by what it must install, layered on the environment
nbops runs in, so that nbops itself, its kernel and every package whose version already matches
are not installed again; each recorded package that is missing or differs is installed into it
and shadows the base's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from ..capture.environment import machine_once
from ..data.cache import cache_home
from ..exceptions import EnvironmentBuildError, InputError

ENV_DIR_VARIABLE = "NBOPS_ENV_DIR"  # where rebuilt environments are kept
INSTALL_TIMEOUT_S = 1800
PEP508_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")
_PACKAGE_LISTING = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name'].lower().replace('_', '-'): d.version "
    "for d in m.distributions() if d.metadata['Name']}))"
)


def normalize(name: str) -> str:
    """A distribution name as the environment record spells it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> dict[str, str]:
    """The ``name==version`` pins of a requirements file (other lines are not pins)."""
    pins = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            pins[normalize(match.group(1))] = match.group(2)
    return pins


@dataclass
class EnvCheck:
    """How an environment differs from what a run asks for: missing and other versions."""

    missing: dict[str, str] = field(default_factory=dict)
    different: dict[str, tuple[str, str]] = field(default_factory=dict)
    checked: int = 0

    def __bool__(self) -> bool:
        return bool(self.missing or self.different)

    @property
    def summary(self) -> str:
        """One line: whether the environment matches."""
        if not self:
            return f"matches ({self.checked} packages)"
        return f"{len(self.missing)} missing, {len(self.different)} at another version"

    def lines(self) -> list[str]:
        """One line per difference: ``- name version`` missing, ``~ name wanted -> installed``."""
        out = [f"- {name} {version} (not installed)" for name, version in self.missing.items()]
        out += [f"~ {name} {a} -> {b} installed" for name, (a, b) in self.different.items()]
        return out

    def to_dict(self) -> dict:
        """A JSON-ready record of the check."""
        return {
            "matches": not self,
            "checked": self.checked,
            "missing": self.missing,
            "different": {k: {"wanted": a, "installed": b} for k, (a, b) in self.different.items()},
        }


def check_packages(wanted: dict[str, str], installed: dict[str, str]) -> EnvCheck:
    """Compare the versions ``wanted`` with those ``installed`` (extra packages do not count)."""
    have = {normalize(k): v for k, v in installed.items()}
    check = EnvCheck(checked=len(wanted))
    for name, version in sorted(wanted.items()):
        name = normalize(name)
        if name not in have:
            check.missing[name] = version
        elif have[name] != version:
            check.different[name] = (version, have[name])
    return check


def check_lock(lock: str | None, kernel: str, python: str | None = None) -> EnvCheck | None:
    """Check a step's lock against the packages of ``kernel`` (``None`` without a lock).

    Parameters
    ----------
    lock:
        The step's ``requirements.txt``.
    kernel:
        The kernel that will execute it.
    python:
        The interpreter the kernel will run instead of its spec's (a rebuilt environment's).
    """
    if lock is None:
        return None
    return check_packages(parse_lock(lock), kernel_packages(kernel, python))


def kernel_python(kernel: str) -> str | None:
    """The Python interpreter ``kernel`` runs, or ``None`` when it is not a Python kernel."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        return None
    if (spec.language or "").lower() != "python" or not spec.argv:
        return None
    first = spec.argv[0]
    major, minor = sys.version_info[:2]
    if first in ("python", f"python{major}", f"python{major}.{minor}"):
        return sys.executable  # jupyter_client runs this process's interpreter for these
    return shutil.which(first) or first


_listed: dict[tuple[str, int], dict[str, str]] = {}


def kernel_packages(kernel: str, python: str | None = None) -> dict[str, str]:
    """The packages the kernel ``kernel`` (run by ``python`` if given) can import.

    This process's own list when the kernel runs this interpreter; otherwise that interpreter
    is asked once (and again when it changes).
    """
    interpreter = python or kernel_python(kernel)
    if interpreter is None or _same_interpreter(interpreter):
        return machine_once()["packages"]
    stamp = (interpreter, _mtime(interpreter))
    if stamp not in _listed:
        done = subprocess.run(  # noqa: S603 - a kernel spec's interpreter, no shell
            [interpreter, "-c", _PACKAGE_LISTING], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise EnvironmentBuildError(
                f"Cannot list the packages of {interpreter} (the kernel {kernel!r}): "
                f"{done.stderr.strip().splitlines()[-1:] or done.returncode}.",
                "Check that the kernel's interpreter runs.",
            )
        _listed[stamp] = json.loads(done.stdout)
    return dict(_listed[stamp])


def _same_interpreter(python: str) -> bool:
    try:
        return os.path.samefile(python, sys.executable)
    except OSError:
        return False


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


# -- rebuilding a run's environment ----------------------------------------------------------------


def env_folder() -> Path:
    """Where rebuilt environments are kept (``NBOPS_ENV_DIR``, default ``~/.cache/nbops/envs``
    or under ``XDG_CACHE_HOME``, as the snapshot cache)."""
    configured = os.environ.get(ENV_DIR_VARIABLE)
    return Path(configured) if configured else cache_home() / "envs"


def check_python(recorded: str | None) -> None:
    """Refuse a recorded Python whose major and minor version differ from this one's."""
    here = "{}.{}".format(*sys.version_info[:2])
    if recorded and ".".join(recorded.split(".")[:2]) != here:
        raise EnvironmentBuildError(
            f"The run ran Python {recorded}; nbops runs Python {here} here, and an environment "
            "can only be rebuilt for the Python that nbops runs on.",
            f"Install nbops under Python {'.'.join(recorded.split('.')[:2])} and reproduce there.",
        )


def rebuild(packages: dict[str, str], python: str | None, echo=print) -> Path:
    """The interpreter of an environment with ``packages`` at these versions; built once.

    Parameters
    ----------
    packages:
        Recorded versions by distribution name (an ``environment.json``'s ``packages``).
    python:
        The recorded Python version; its major and minor version must be this one's.
    echo:
        Called with a line before a build starts.

    Raises :class:`EnvironmentBuildError` naming what cannot be installed.
    """
    check_python(python)
    packages = checked_pins(packages)
    base = machine_once()["packages"]
    needed = {normalize(k): v for k, v in packages.items() if base.get(normalize(k)) != v}
    key = hashlib.sha256(json.dumps([sys.executable, sorted(needed.items())]).encode())
    folder = env_folder() / key.hexdigest()[:20]
    interpreter = folder / "bin" / "python"
    if (folder / ".complete").is_file():
        return interpreter
    echo(f"Building an environment with {len(needed)} recorded packages in {folder} ...")
    building = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(building, ignore_errors=True)
    try:
        _create(building)
        if needed:
            _install(building / "bin" / "python", needed)
        (building / ".complete").write_text(json.dumps(needed, indent=1), encoding="utf-8")
        if not (folder / ".complete").is_file():  # another process may have built it meanwhile
            shutil.rmtree(folder, ignore_errors=True)
            building.rename(folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return interpreter


def checked_pins(packages: object) -> dict[str, str]:
    """The recorded packages, each a PEP 508 name and a PEP 440 version: a record read from a
    shared server is not trusted, and anything else (``--index-url``, ``-e``, a URL, a marker)
    would reach pip as an option or a source. :class:`EnvironmentBuildError` names the entry."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    if not isinstance(packages, dict):
        raise EnvironmentBuildError(
            "The run's recorded packages are not a mapping of names to versions.",
            "Its environment.json was not written by nbops.",
        )
    pins = {}
    for name, version in packages.items():
        line = f"{name}=={version}"
        try:
            if not isinstance(name, str) or not isinstance(version, str):
                raise InvalidRequirement(line)
            requirement = Requirement(line)
            Version(version)
            pinned = bool(
                PEP508_NAME.fullmatch(name)
                and requirement.name == name
                and not (requirement.url or requirement.marker or requirement.extras)
                and str(requirement.specifier) == f"=={version}"
            )
        except (InvalidRequirement, InvalidVersion):
            pinned = False
        if not pinned:
            raise EnvironmentBuildError(
                f"The recorded package line {line!r} is not a package name with a version.",
                "Its environment.json was changed or not written by nbops; nothing was installed.",
            )
        pins[name] = version
    return pins


def _create(folder: Path) -> None:
    """A virtual environment without pip that also sees this environment's packages (after its
    own, which therefore win)."""
    if shutil.which("uv"):
        command = ["uv", "venv", "--quiet", "--python", sys.executable, str(folder)]
    else:
        command = [sys.executable, "-m", "venv", "--without-pip", str(folder)]
    _call(command, "create a virtual environment")
    bases = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in dict.fromkeys(bases))
    for site_packages in folder.glob("lib/python*/site-packages"):
        (site_packages / "zz-nbops-base.pth").write_text(lines, encoding="utf-8")


def _install(python: Path, needed: dict[str, str]) -> None:
    requirements = python.parent.parent / "recorded-requirements.txt"
    requirements.write_text("".join(f"{k}=={v}\n" for k, v in sorted(needed.items())))
    if shutil.which("uv"):
        command = ["uv", "pip", "install", "--quiet", "--python", str(python)]
    else:
        command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        command.append("--disable-pip-version-check")
    _call([*command, "-r", str(requirements)], "install the recorded packages", needed)


def _call(command: list[str], doing: str, needed: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed programs; names and versions are arguments
            command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise EnvironmentBuildError(f"Could not {doing}: {err}.", "") from err
    if done.returncode == 0:
        return
    output = (done.stderr or done.stdout).strip()
    named = sorted(n for n in needed or {} if re.search(rf"\b{re.escape(n)}\b", output, re.I))
    which = f" ({', '.join(f'{n}=={needed[n]}' for n in named)})" if named else ""
    last = " ".join(output.splitlines()[-3:])[:600]
    raise EnvironmentBuildError(
        f"Could not {doing}{which}: {last}",
        "Such a package may have come from a local folder or a private index, or no longer "
        "exist for this platform.",
    )


def check_option(env: str) -> str:
    """``current`` or ``rebuild``; :class:`InputError` otherwise."""
    if env not in ("current", "rebuild"):
        raise InputError(f"--env {env!r} is not known.", "Use --env current or --env rebuild.")
    return env


def precheck(prepared, strict: bool, echo=None) -> None:
    """Print how the kernel's packages differ from the lock of ``prepared`` (a
    :class:`~nbops.steps.target.Prepared`); refuse them if ``strict``."""
    target = prepared.target
    check = check_lock(target.lock, target.kernel)
    if not check:
        return
    say = echo or (lambda line: print(line, file=sys.stderr))
    say(f"The environment of kernel {target.kernel!r} differs from the lock of {target.notebook}:")
    for line in check.lines()[:20]:
        say(f"  {line}")
    if strict:
        raise InputError(
            f"--strict-env: the kernel {target.kernel!r} does not match the step's lock "
            f"({check.summary}).",
            "Install the locked versions, or run without --strict-env.",
        )
