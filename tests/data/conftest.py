"""Fixtures of the data tests: a kernel-less session in a project with the real SQLite store."""

import pytest

from nbops.capture.session import Session


@pytest.fixture
def session(jp_nbops_project, monkeypatch):
    """A session of ``jp_nbops_project`` (the working directory), without environment capture."""
    monkeypatch.chdir(jp_nbops_project)
    session = Session(capture_environment=False)
    yield session
    session.close()
