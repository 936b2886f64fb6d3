"""Benchmarks for centre: `python -m bench` (or `make bench`); see bench/README.md."""
