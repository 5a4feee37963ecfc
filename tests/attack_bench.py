"""An attack measured: `count` connections of each kind against a server, and what its clients saw.

Used by tests/e2e/test_attacks_slow.py, and on its own for the full-size attacks of README, Serving:

    .venv/bin/python -m tests.attack_bench --count 200 --seconds 20
"""

import argparse
import collections
import json
import time

from .attack_probes import HealthProbe, HonestClient, NewcomerProbe, server_token, wait_up
from .attackers import KINDS, Attack


def run_attack(server, token, kinds, count, seconds, baseline_s=4.0):
    """Attack `server` with `count` connections of each kind for `seconds`; return the measurements."""
    honest = HonestClient(server.url, token).start()
    time.sleep(baseline_s)
    baseline = honest.rate(time.monotonic() - baseline_s + 1, time.monotonic())
    rss_before = server.rss_mb()
    health = HealthProbe(server.url).start()
    attacks = [Attack(server.port, kind, count).start() for kind in kinds]
    newcomers = NewcomerProbe(server.url, token).start()
    started = time.monotonic()
    peak_held = collections.Counter()
    peak_rss = rss_before
    while time.monotonic() - started < seconds:
        time.sleep(0.5)
        for attack in attacks:
            peak_held[attack.kind] = max(peak_held[attack.kind], attack.held())
        peak_rss = max(peak_rss, server.rss_mb())
    ended = time.monotonic()
    oldest = {attack.kind: attack.oldest_s() for attack in attacks}
    newcomers.stop()
    health.stop()
    for attack in attacks:
        attack.stop()
    during = honest.rate(started + 1, ended)
    honest.stop()
    return {
        "health_worst_s": health.worst(),
        "health_failures": sum(1 for t in health.latencies if t is None),
        "health_probes": len(health.latencies),
        "newcomer_worst_s": newcomers.worst(),
        "newcomers": len(newcomers.times),
        "newcomer_failures": newcomers.failures,
        "honest_fps_before": round(baseline, 2),
        "honest_fps_during": round(during, 2),
        "rss_growth_mb": round(peak_rss - rss_before, 1),
        "attacks": {attack.kind: {
            "peak_held": peak_held[attack.kind],
            "closed": len(attack.lifetimes),
            "longest_closed_s": round(max(attack.lifetimes, default=0.0), 1),
            "oldest_open_s": round(oldest[attack.kind], 1),
            "failed_opens": attack.failed_opens,
        } for attack in attacks},
    }


def main(argv=None):
    """Start servers the README way (--public) and measure each attack at full size."""
    from .server_process import ServerProcess

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--together", action="store_true", help="all kinds at once")
    parser.add_argument("--server-args", default="", help="more flags for process.py, e.g. "
                        "'--async-mode eventlet'")
    args = parser.parse_args(argv)
    kinds = [kind for kind in args.kinds.split(",") if kind]
    groups = [kinds] if args.together else [[kind] for kind in kinds]
    results = {}
    for group in groups:
        https = group == ["tls-byte"]
        server = ServerProcess("/tmp", "--public", *(["--https"] if https else []),
                               *args.server_args.split())
        if https:
            server.url = server.url.replace("http://", "https://")
        try:
            wait_up(server)
            results[",".join(group)] = run_attack(server, server_token(server), group,
                                                  args.count, args.seconds)
        finally:
            server.stop()
        print(json.dumps({",".join(group): results[",".join(group)]}, indent=1), flush=True)
    return results


if __name__ == "__main__":
    main()
