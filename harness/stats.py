"""Small statistics helpers for the benchmark's numbers."""

import numpy as np


def pct(values, q):
    """Return the q-th percentile of `values` (NaN when empty), rounded for the table."""
    return round(float(np.percentile(values, q)), 2) if len(values) else float("nan")


def summary(values):
    """Return p50, p95 and p99 of `values`."""
    return {"p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99), "n": len(values)}


def trend_ms_per_s(times, values):
    """Return the slope of a least-squares line through (time, value): growth per second."""
    if len(times) < 3:
        return 0.0
    slope = np.polyfit(np.asarray(times) - times[0], np.asarray(values), 1)[0]
    return round(float(slope), 3)
