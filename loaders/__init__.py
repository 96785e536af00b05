"""Loaders: read files, validate and normalise rows into typed records, resolve cities."""
