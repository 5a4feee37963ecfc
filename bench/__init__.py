"""Benchmark: our server against a seed-style reference, side by side on the same machine."""
