"""Install the built wheel where no node is on PATH and check that JupyterLab sees nbops.

Run with the fresh virtualenv's Python and ``PATH`` holding only that virtualenv's ``bin``:
``env -i HOME=$HOME PATH=VENV/bin VENV/bin/python .ci/check_wheel.py dist/nbops-*.whl``.
"""

import re
import shutil
import subprocess
import sys


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    output = done.stdout + done.stderr
    print(output)
    return re.sub(r"\x1b\[[0-9;]*m", "", output)


def main() -> None:
    for tool in ("node", "npm", "jlpm"):
        if shutil.which(tool):
            sys.exit(
                f"{tool} is on PATH ({shutil.which(tool)}): this check needs a machine without node"
            )
    (wheel,) = sys.argv[1:]
    run(sys.executable, "-m", "pip", "install", "-q", wheel)
    labextensions = run("jupyter", "labextension", "list")
    if not re.search(r"nbops v\S+ enabled OK", labextensions):
        sys.exit("the prebuilt nbops labextension is not listed as enabled and OK")
    server = run("jupyter", "server", "extension", "list")
    if not re.search(r"nbops enabled", server) or not re.search(r"nbops \S+ OK", server):
        sys.exit("the nbops server extension is not listed as enabled and OK")
    print("OK: the wheel gives a working JupyterLab extension without node")


if __name__ == "__main__":
    main()
