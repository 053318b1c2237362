"""The child process that draws a report's charts (see :mod:`nbops.reports.chart_images`): it
imports only vl-convert, and reads no URL and no file."""

from __future__ import annotations

import json
import sys


def draw(job: dict) -> dict:
    """Draw one chart here (in the child): ``{"svg": ...}`` or ``{"error": "why"}``."""
    import vl_convert

    spec = job["spec"]
    try:
        if job["lite"]:
            svg = vl_convert.vegalite_to_svg(
                spec, vl_version=bundled_version(job["major"]), allowed_base_urls=[]
            )
        else:
            svg = vl_convert.vega_to_svg(spec, allowed_base_urls=[])
    except (ValueError, TypeError) as err:  # a spec vl-convert refuses, or not a spec at all
        reason = next((line for line in str(err).splitlines()[1:] if line.strip()), str(err))
        return {"error": reason.strip()}
    return {"svg": svg}


def bundled_version(major: str) -> str | None:
    """The newest Vega-Lite bundled with vl-convert of the output's major version; for an older
    major, the oldest bundled (the closest); ``None`` (vl-convert's newest) for a newer one."""
    import vl_convert

    versions = vl_convert.get_vegalite_versions()
    same = [v for v in versions if v.split(".")[0] == major]
    if same:
        return same[-1]
    return versions[0] if int(major) < int(versions[0].split(".")[0]) else None


def main() -> None:
    """The child: read the jobs as JSON from stdin, print the results as one JSON line."""
    jobs = json.loads(sys.stdin.read())
    print(json.dumps([draw(job) for job in jobs]))


if __name__ == "__main__":
    main()
