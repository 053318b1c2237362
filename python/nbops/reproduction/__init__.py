"""Running a finished run again as recorded, and the verdict."""
