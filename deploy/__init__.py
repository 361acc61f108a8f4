"""Deployment helpers run from a developer's machine or CI (never deployed themselves)."""
