"""The benchmark runs end to end in smoke mode and writes every number it promises (no speed asserted)."""

import pytest
import json
import subprocess
import sys

from harness.server import ROOT

pytestmark = pytest.mark.slow  # a long run: `make test-unit` or -m 'not slow' leave it out


def test_bench_smoke_writes_the_promised_numbers(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    pipeline = results["pipeline"]["320x240"]
    for name in ("ours", "seed"):
        assert {"decode", "noise", "filter", "lips", "stamp", "encode", "total"} <= set(pipeline[name])
    assert pipeline["lip_iou"]["frames"] > 0
    for scenario in ("capacity ours", "capacity seed", "low load ours", "overload ours",
                     "transport threading bytes", "transport eventlet data_url"):
        numbers = results["load"][scenario]
        assert numbers["delivered_fps_total"] > 0
        assert {"p50", "p95", "p99"} <= set(numbers["round_trip_ms"])
        assert {"server_cpu_ms_per_frame", "server_rss_mb", "max_in_flight",
                "latency_trend_ms_per_s", "fair_share_min"} <= set(numbers)
    far = results["far_link"]["far 200 ms, 15 fps"]
    assert far["delivered_fps"] > 0 and far["link_rtt_ms"] == 200 and {"p50", "p95"} <= set(far["latency_ms"])
    recording = results["recording"]
    assert recording["recording"]["status"] == "ok" and recording["recording"]["frames"] > 0
    assert recording["delivered_fps_total"]["with"] > 0 and "delivered_ratio" in recording
    devices = results["devices"]
    assert {"cpu"} <= set(devices["filter"]) and {"cpu"} <= set(devices["detect"])
    assert all(row["p50_ms"] > 0 for part in ("filter", "detect") for row in devices[part].values())
    assert ("cuda" in devices["filter"]) != any("torch" in absent for absent in devices["absent"])
    assert "Headline" in proc.stderr
