"""A crontab(1) for tests: ``python crontab_file.py FILE -l`` prints FILE (exit 1 and "no crontab
for USER" when there is none); ``... FILE -`` installs stdin into FILE after checking every line
as Debian's crontab does (a bad line is refused, the crontab left as it was)."""

import getpass
import sys
from pathlib import Path

from croniter import croniter

MACROS = ("@reboot", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually",
          "@midnight")  # fmt: skip


def bad_line(line: str) -> bool:
    text = line.strip()
    if not text or text.startswith("#") or "=" in text.split()[0]:
        return False
    fields = text.split()
    if fields[0] in MACROS:
        return len(fields) < 2
    return len(fields) < 6 or not croniter.is_valid(" ".join(fields[:5]))


def main(path: Path, flag: str) -> int:
    if flag == "-l":
        if not path.exists():
            print(f"no crontab for {getpass.getuser()}", file=sys.stderr)
            return 1
        sys.stdout.write(path.read_text())
        return 0
    text = sys.stdin.read()
    for number, line in enumerate(text.splitlines(), 1):
        if bad_line(line):
            print(f'"-":{number}: bad minute\nerrors in crontab file, cannot install.',
                  file=sys.stderr)  # fmt: skip
            return 1
    if text and not text.endswith("\n"):
        print('"-": premature EOF\nerrors in crontab file, cannot install.', file=sys.stderr)
        return 1
    path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
