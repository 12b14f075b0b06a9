"""_client: see docs/architecture.md."""
