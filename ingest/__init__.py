"""Ingest's pure parts: the canonical extract schema, reading files, mapping columns by profile,
parsing values and the validation rules. No storage: loading the raw store is warehouse/loader.py."""
