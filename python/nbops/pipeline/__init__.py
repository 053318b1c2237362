"""Pipelines: the DAG of a pipeline file, its cache, sweeps and schedules."""
