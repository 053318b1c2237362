"""Headless execution of one notebook: a task, its run, its worker, its executors."""
