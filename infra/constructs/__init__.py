"""Constructs: one architectural piece per file, keyword-only typed arguments."""
