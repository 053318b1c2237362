"""Which kernel runs a notebook headless: the one asked for, the notebook's, or Python's.

Notebooks written by nbformat, jupytext and other tools often carry no ``kernelspec``; papermill
then refuses them. A notebook without one (or whose language is Python) runs on the installed
Python kernel; a kernel named but not installed here, or another language without a kernel, is an
:class:`~nbops.exceptions.InputError` naming ``--kernel`` before any run is recorded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from ..exceptions import InputError

DEFAULT_KERNEL = "python3"


def installed_kernels() -> dict[str, str]:
    """The kernels installed here: their language by name."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().get_all_specs()
    return {name: (s.get("spec", {}).get("language") or "").lower() for name, s in specs.items()}


def choose_kernel(metadata: dict, source: str, requested: str | None = None) -> str:
    """The kernel to run a notebook with; :class:`InputError` if there is none to use here.

    Parameters
    ----------
    metadata:
        The notebook's metadata (``kernelspec``, ``language_info``), possibly empty.
    source:
        The notebook, as named in messages.
    requested:
        The kernel the user asked for (``--kernel``), which wins when installed.
    """
    installed = installed_kernels()
    listing = ", ".join(sorted(installed)) or "none (pip install ipykernel)"
    if requested:
        if requested not in installed:
            raise InputError(
                f"No kernel named {requested!r} is installed here.",
                f"Installed kernels: {listing}.",
            )
        return requested
    spec = metadata.get("kernelspec") or {}
    name = spec.get("name")
    if name in installed:
        return name
    if name:
        raise InputError(
            f"{source} asks for the kernel {name!r}, which is not installed here.",
            f"Run it with --kernel NAME (installed: {listing}), or install that kernel.",
        )
    language = spec.get("language") or (metadata.get("language_info") or {}).get("name") or ""
    python = sorted(n for n, lang in installed.items() if lang == "python")
    if language.lower() in ("", "python") and python:
        return DEFAULT_KERNEL if DEFAULT_KERNEL in python else python[0]
    raise InputError(
        f"{source} names no kernel and is written in {language or 'an unknown language'}, "
        "for which no kernel is installed here.",
        f"Run it with --kernel NAME (installed: {listing}).",
    )


def task_kernel_manager(
    env: dict[str, str],
    cwd: Path,
    base: type | None = None,
    python: str | None = None,
    sockets: Path | None = None,
    log: BinaryIO | None = None,
) -> type:
    """A kernel-manager class for nbclient that starts its kernel in ``cwd`` with ``env`` added to
    this process's environment, which stays untouched: tasks on one worker run side by side.

    Parameters
    ----------
    env:
        Variables for the kernel (the run it adopts, the tracking URI, the snapshot pins).
    cwd:
        The kernel's working folder.
    base:
        The class to extend (default: ``AsyncKernelManager``, nbclient's).
    python:
        The interpreter that runs a Python kernel instead of its spec's (a rebuilt environment).
    sockets:
        Where the kernel's Unix sockets go (a short, private path prefix): kernel and client talk
        over IPC instead of TCP ports open to the machine. Ignored where there is no IPC (Windows).
    log:
        A file that takes the kernel process's own output (ipykernel's log lines), which would
        otherwise interleave with nbops's; the cells' output reaches the notebook either way.
    """
    from jupyter_client.manager import AsyncKernelManager

    ipc = sockets is not None and os.name == "posix"

    class TaskKernelManager(base or AsyncKernelManager):
        def __init__(self, **kw):
            if ipc:
                kw.update(transport="ipc", ip=str(sockets))
            super().__init__(**kw)

        async def _async_pre_start_kernel(self, **kw):
            kw["env"] = {**(kw.get("env") or os.environ), **env}
            kw["cwd"] = str(cwd)
            if log is not None:
                kw["stdout"] = kw["stderr"] = log
            return await super()._async_pre_start_kernel(**kw)

        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            return [python, *command[1:]] if python else command

    return TaskKernelManager
