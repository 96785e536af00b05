"""The `gnlc` command line."""
