"""The model registry operations promotion needs, on MLflow's client: the only place outside the
store's own modules that would otherwise call MLflow's registry API.

``store.registry`` of an :class:`~nbops.store.mlflow.MlflowStore` is a :class:`ModelRegistry`;
what it returns are MLflow's own objects (``LoggedModel``, ``ModelVersion``), read-only.
"""

from __future__ import annotations

import contextlib

from ..exceptions import PermissionDeniedError


class ModelRegistry:
    """A store's model registry.

    Parameters
    ----------
    store:
        The :class:`~nbops.store.mlflow.MlflowStore` whose client and URI it uses.
    """

    def __init__(self, store) -> None:
        self._store = store

    @property
    def _client(self):
        return self._store.client

    def logged_models(self, run_id: str) -> list:
        """The models run ``run_id`` logged (MLflow's ``LoggedModel`` objects)."""
        outputs = self._client.get_run(run_id).outputs
        return [self._client.get_logged_model(o.model_id) for o in outputs.model_outputs or []]

    def exists(self, model: str) -> bool:
        """Whether the registered model ``model`` exists (for this user)."""
        from mlflow.exceptions import MlflowException

        try:
            self._client.get_registered_model(model)
        except MlflowException:
            return False
        return True

    def version(self, model: str, version: str) -> dict | None:
        """``{model, version, run_id, aliases}`` of one version; ``None`` when there is none."""
        from mlflow.exceptions import MlflowException

        try:
            found = self._client.get_model_version(model, version)
        except MlflowException:
            return None
        except PermissionDeniedError:  # 403 for a model that does not exist, as in holder()
            if not self.exists(model):
                return None
            raise
        aliases = sorted(getattr(found, "aliases", None) or [])
        return {"model": model, "version": str(found.version), "run_id": found.run_id,
                "aliases": aliases}  # fmt: skip

    def holder(self, model: str, alias: str):
        """The version of ``model`` holding ``alias``, or ``None`` (no such model or alias)."""
        from mlflow.exceptions import MlflowException

        try:
            return self._client.get_model_version_by_alias(model, alias)
        except MlflowException:
            return None
        except PermissionDeniedError:
            # a team's server answers 403, not 404, for a model that does not exist (so as not
            # to tell which exist): a model that does exist is refused for real
            if not self.exists(model):
                return None
            raise

    def register(self, model: str, logged, run_id: str):
        """A new version of ``model`` from the logged model ``logged`` of run ``run_id``; the
        model is created first if need be (a team's server answers 403, not 404, to a version
        of a model that does not exist)."""
        from mlflow.exceptions import MlflowException

        self._store.point_mlflow_here()  # the registry finds the logged model through MLflow
        try:
            self._client.get_registered_model(model)
        except MlflowException as err:
            if "RESOURCE_DOES_NOT_EXIST" not in str(err.error_code):
                raise
            with contextlib.suppress(MlflowException):  # another process may create it
                self._client.create_registered_model(model)
        return self._client.create_model_version(
            model, logged.model_uri, run_id=run_id, model_id=logged.model_id, await_creation_for=0
        )

    def set_alias(self, model: str, alias: str, version: str) -> None:
        """Point ``alias`` of ``model`` at ``version``."""
        self._client.set_registered_model_alias(model, alias, version)

    def tag_version(self, model: str, version: str, tags: dict[str, str]) -> None:
        """Set ``tags`` on version ``version`` of ``model``."""
        for key, value in tags.items():
            self._client.set_model_version_tag(model, version, key, value)
