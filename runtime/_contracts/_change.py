"""The vocabulary of API changes: ``Change`` and ``ApiDiff`` (pure data, no rules).

The rules that produce them live in ``_contract.py``; ``KINDS`` is the stable list of
``Change.kind`` strings that reports and bots match on (documented in docs/contracts.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["breaking", "compatible"]
BREAKING: Severity = "breaking"
COMPATIBLE: Severity = "compatible"
APP = ""
"""The ``endpoint`` of app-level changes."""

KINDS = (
    "protocol_changed",
    "api_prefix_changed",
    "gradio_version_changed",
    "max_file_size_changed",
    "endpoint_added",
    "endpoint_removed",
    "visibility_changed",
    "generator_changed",
    "connection_changed",
    "queue_changed",
    "oauth_changed",
    "fn_index_changed",
    "state_changed",
    "parameters_reordered",
    "parameter_renamed",
    "parameter_added",
    "parameter_removed",
    "parameter_type_widened",
    "parameter_type_narrowed",
    "parameter_type_changed",
    "parameter_type_unknown",
    "parameter_choices_added",
    "parameter_choices_removed",
    "component_changed",
    "parameter_now_required",
    "parameter_now_optional",
    "default_changed",
    "output_added",
    "output_removed",
    "output_type_widened",
    "output_type_narrowed",
    "output_type_changed",
    "output_type_unknown",
    "output_choices_added",
    "output_choices_removed",
    "output_renamed",
)
"""Every ``Change.kind`` (a stable vocabulary: bots match on it)."""


@dataclass(frozen=True)
class Change:
    """One API change. ``target`` names the parameter (or ``output N``) when there is one."""

    endpoint: str
    kind: str
    severity: Severity
    message: str
    target: str | None = None
    old: Any = None
    new: Any = None

    @property
    def breaking(self) -> bool:
        return self.severity == BREAKING

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "kind": self.kind,
            "severity": self.severity,
            "target": self.target,
            "message": self.message,
            "old": self.old,
            "new": self.new,
        }

    def __str__(self) -> str:
        where = self.endpoint or "app"
        return f"[{self.severity}] {where}: {self.message}"


@dataclass(frozen=True)
class ApiDiff:
    changes: tuple[Change, ...] = ()

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def compatible(self) -> list[Change]:
        return [c for c in self.changes if not c.breaking]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def summary(self) -> str:
        if not self.changes:
            return "no API changes"
        return f"{len(self.breaking)} breaking, {len(self.compatible)} compatible API change(s)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "breaking": len(self.breaking),
            "compatible": len(self.compatible),
            "changes": [c.to_dict() for c in self.changes],
        }
