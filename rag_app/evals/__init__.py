"""Benchmarks and evaluation: golden sets, metrics, and the commands that print the figures (top floor)."""
