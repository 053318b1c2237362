"""What a headless run is given and what it gives back: :class:`Task` (everything a worker
needs, picklable), :class:`RunResult` and :class:`Failure`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from .options import RunOptions


@dataclass
class Task:
    """Everything a worker needs to execute one notebook in the open run ``run_id``: content,
    not paths (the notebook's JSON, the step's ``files``). ``cwd`` ``None``: a private folder;
    ``output`` ``None``: the executed notebook and report are the run's artifacts only."""

    key: str
    notebook: str
    content: str
    kernel: str
    values: dict[str, object]
    run_id: str
    settings: Settings
    source: str
    pins: dict[str, str] = field(default_factory=dict)
    options: RunOptions = field(default_factory=RunOptions)
    output: str | None = None
    progress: bool = False
    cwd: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    code: dict = field(default_factory=dict)
    resources: dict[str, float] = field(default_factory=dict)
    lock: str | None = None  # the step's requirements.txt, checked before its notebook runs
    python: str | None = None  # the interpreter the kernel runs (a rebuilt environment's)
    params: dict[str, str] = field(default_factory=dict)  # as text: the worker records them

    @property
    def executed(self) -> Path:
        """Where the executed notebook is written when ``output`` is set (after every cell)."""
        return Path(self.output or ".") / Path(self.notebook).name


@dataclass
class RunResult:
    """How a headless run ended and where its outputs are."""

    run_id: str
    status: str
    notebook: Path
    report: Path | None  # None: the report is only the run's artifact
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    key: str = ""
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the run FINISHED."""
        return self.status == "FINISHED"


@dataclass
class Failure:
    """Why a notebook did not run to the end: one line, and the full traceback."""

    message: str
    traceback: str
