"""Run reports: nbconvert HTML with a run header, sanitized and self-contained."""
