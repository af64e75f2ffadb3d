"""Ingest: read case-system extracts, map columns by profile, validate, quarantine rejects, load the raw store."""
