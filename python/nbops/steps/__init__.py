"""Notebooks as steps: export, versions, parameter schema, kernels, targets."""
