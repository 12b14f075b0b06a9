"""_contracts: see docs/architecture.md."""
