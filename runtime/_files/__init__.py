"""_files: see docs/architecture.md."""
