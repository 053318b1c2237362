"""Root conftest: pytest-jupyter's server fixtures must be declared here (not in tests/)."""

pytest_plugins = ("pytest_jupyter.jupyter_server",)
