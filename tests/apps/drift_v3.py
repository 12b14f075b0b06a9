"""tests/apps/drift_v1.py with one change /config cannot show: ``/reverse``'s Python
parameter renamed (``t`` -> ``word``), same components. The positional call is the same
call, so a client of v1 confirms it with ``/config`` alone; ``check_drift()`` (which reads
``/info`` too) reports the rename."""

from __future__ import annotations

from drift_v1 import build

demo = build(renamed=True)
