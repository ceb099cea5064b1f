"""Benchmarks: `make bench` (python -m bench) prints figures from one run. Not tests."""
