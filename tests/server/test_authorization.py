"""Every route is authorized through jupyter_server's Authorizer (resource ``nbops``): a
read-only collaborator reads everything and changes nothing; a job's ``step`` is only ever an
exported step of the project, never a path."""

import inspect
import json

import pytest
from jupyter_server.auth import Authorizer
from test_api import LOGS, PARAMS, ROUTES
from tornado.httpclient import HTTPClientError

from nbops.server.app import NbopsApp

ASKED: list[tuple[str, str, str]] = []  # (method, action, resource) the Authorizer was asked


class ReadOnly(Authorizer):
    """A read-only collaborator, as JupyterHub's roles can make one; it notes what it is asked."""

    def is_authorized(self, handler, user, action, resource):
        if resource == "nbops":
            ASKED.append((handler.request.method, action, resource))
        return action == "read"


@pytest.fixture
def jp_server_config(jp_server_config):
    return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"],
                                              "authorizer_class": ReadOnly}}  # fmt: skip


EXPECTED_ACTION = {"GET": "read", "POST": "execute", "DELETE": "execute"}


@pytest.mark.parametrize(("method", "parts"), ROUTES)
async def test_a_read_only_user_reads_and_changes_nothing(jp_fetch, method, parts):
    ASKED.clear()
    body = "{}" if method == "POST" else None
    try:
        response = await jp_fetch("nbops", "api", *parts, method=method, body=body)
        code, answer = response.code, json.loads(response.body)
    except HTTPClientError as err:
        code, answer = err.code, json.loads(err.response.body)
    expected = "write" if parts == ("steps",) and method == "POST" else EXPECTED_ACTION[method]
    assert [(method, expected, "nbops")] == ASKED
    if method == "GET":
        assert code != 403, answer  # read: the request reaches the handler (200, 400 or 404)
    else:
        assert code == 403 and answer["message"], answer


async def test_a_read_only_user_cannot_start_a_job(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    body = json.dumps({"notebook": "train.ipynb"})
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("nbops", "api", "jobs", method="POST", body=body)
    assert err.value.code == 403
    listed = json.loads((await jp_fetch("nbops", "api", "jobs")).body)
    runs = json.loads(
        (await jp_fetch("nbops", "api", "runs", params={"notebook": "train.ipynb"})).body
    )
    assert listed["jobs"] == [] and runs["runs"] == []


def test_every_handler_method_is_authorized_with_its_action():
    app = NbopsApp()
    app.initialize_handlers()
    for _, handler in app.handlers:
        for verb in ("get", "post", "put", "patch", "delete"):
            method = handler.__dict__.get(verb)
            if method is not None:
                source = inspect.getsource(method)
                action = "read" if verb == "get" else ("write", "execute")
                found = [a for a in ("read", "write", "execute") if f'@authorized("{a}")' in source]
                assert len(found) == 1, f"{handler.__name__}.{verb} is not @authorized"
                assert found[0] in action, f"{handler.__name__}.{verb}: {found[0]}"
