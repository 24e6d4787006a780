"""Benchmarks and long runs (a package only so the scripts and the smoke test share code)."""
