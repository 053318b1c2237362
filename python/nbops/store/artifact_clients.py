"""The client library an artifact location needs on this machine.

A server that proxies artifacts (``mlflow-artifacts:/``) needs nothing but the tracking URI. A
server started with ``--no-serve-artifacts`` hands its clients the store's own location
(``s3://bucket/...``): MLflow then writes there itself, with that store's library, and fails
deep inside a run without it. nbops checks before a run opens or a snapshot is written or read.
"""

from __future__ import annotations

import importlib.util

from ..credentials import public_uri
from ..exceptions import MissingDependencyError

# scheme: (the module MLflow imports, what to install)
NEEDED = {
    "s3": ("boto3", 'pip install "nbops[s3]"'),
    "gs": ("google.cloud.storage", "pip install google-cloud-storage"),
    "wasbs": ("azure.storage.blob", "pip install azure-storage-blob azure-identity"),
}


def check_artifact_client(location: str) -> None:
    """Raise :class:`~nbops.exceptions.MissingDependencyError` if writing to or reading from
    artifact ``location`` needs a library this environment lacks.

    Parameters
    ----------
    location:
        An experiment's artifact location or a run's artifact URI.
    """
    scheme = location.split("://", 1)[0] if "://" in location else ""
    if scheme not in NEEDED:
        return
    module, install = NEEDED[scheme]
    if _missing(module):
        raise MissingDependencyError(
            f"The artifacts of this tracking server are written by each client straight to "
            f"{public_uri(location)}, and this environment has no {module.split('.')[0]} to "
            f"reach {scheme}:// storage. Nothing was run or written.",
            f"Install it: {install} (or have the server proxy artifacts: `mlflow server "
            "--artifacts-destination ...`).",
        )


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:  # a parent package is missing
        return True
