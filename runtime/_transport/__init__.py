"""_transport: see docs/architecture.md."""
