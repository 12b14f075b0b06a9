"""Print (or, with --write, put into README.md) the compatibility table rendered from the
version matrix's committed results (tests/legacy/compat.json)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.legacy.compat import load, render, write_readme


def main() -> None:
    results = load()
    if "--write" in sys.argv[1:]:
        write_readme(results)
    else:
        sys.stdout.write(render(results))


if __name__ == "__main__":
    main()
