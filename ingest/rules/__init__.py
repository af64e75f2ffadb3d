"""Validation rules, one per module. See ingest/rules/__init__.py for the registry."""
