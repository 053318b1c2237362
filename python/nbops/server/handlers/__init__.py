"""REST handlers: one base handler that maps errors, one module per resource."""
