"""_hub: see docs/architecture.md."""
