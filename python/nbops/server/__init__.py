"""The server door: a jupyter_server extension with a REST API under ``/nbops/api/``."""
