"""_typed: see docs/architecture.md."""
