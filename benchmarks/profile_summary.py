"""Summarise py-spy collapsed stacks (``run_bench.py --profile DIR`` writes them).

    python benchmarks/profile_summary.py DIR/seq-ours-0.txt [--only SUBSTRING] [--top 25]

Prints the functions with the most samples on top of the stack (self) and anywhere in it
(inclusive), as a share of the samples kept. ``--only`` keeps the stacks containing
SUBSTRING (e.g. ``bench_worker.py:1`` or a function name) so that start-up and warm-up drop
out; idle frames (blocked in select/poll/wait/sleep) are counted apart.
"""

from __future__ import annotations

import argparse
from collections import Counter

IDLE = (
    "SyncStream.read (",
    "recv_into (",
    "recv (",
    "select (",
    "poll (",
    "wait (",
    "sleep (",
    "_wait_for_tstate_lock",
    "acquire (",
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--only", action="append", default=[], help="keep stacks containing this")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    self_c: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = idle = 0
    for path in a.files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                stack, _, n = line.rstrip("\n").rpartition(" ")
                if not stack or not n.isdigit():
                    continue
                if a.only and not any(s in stack for s in a.only):
                    continue
                if "_Spy." in stack:  # the profiler attaching / detaching
                    continue
                count = int(n)
                frames = stack.split(";")
                if any(frames[-1].startswith(i) or i in frames[-1] for i in IDLE):
                    idle += count
                    continue
                total += count
                self_c[frames[-1]] += count
                for fr in set(frames):
                    incl[fr] += count
    print(f"{total} busy samples kept, {idle} idle (blocked) samples set apart")
    for title, counter in (("self", self_c), ("inclusive", incl)):
        print(f"\n-- top {a.top} by {title} samples --")
        for fr, n in counter.most_common(a.top):
            print(f"{100 * n / max(total, 1):5.1f}%  {fr}")


if __name__ == "__main__":
    main()
