"""`python -m bench.cluster`: two instances sharing sources through Redis, against one instance.

Latency of a viewer on the source's own instance against one on the other instance, what
Redis spends per frame relayed (CPU, bytes, memory), and frames per second with one
instance against two on the same machine.
"""

import argparse
import contextlib
import json
import logging
import tempfile
import threading
import time

from bridge.socketio_client import InOrderClient
from harness.access_token import with_token
from harness.frames import SIZES, face_at, jpeg
from harness.redis_process import RedisProcess
from harness.server import ServerProcess
from harness.stats import summary

from .load import run_load

log = logging.getLogger("bench.cluster")

SERVER_ARGS = ("--log-level", "WARNING", "--max-fps", "1000")

class Viewer:
    """A Socket.IO client that watches a source and notes when each frame (by seq) arrives."""

    def __init__(self, url, source, slow_s=0.0):
        self.arrived = {}
        self.sio = InOrderClient(reconnection=False)

        def arrived(_frame, meta):
            self.arrived.setdefault(meta["seq"], time.perf_counter())
            time.sleep(slow_s)  # a slow phone: reads its socket this much later

        self.sio.on("response_back", arrived)
        self.sio.connect(url, transports=["websocket"], wait_timeout=10, auth=with_token())
        deadline = time.monotonic() + 15
        while not any(s["name"] == source for s in self.sio.call("list_sources", timeout=10)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{source} never listed at {url}")
            time.sleep(0.2)
        self.sio.call("watch", {"source": source}, timeout=10)

@contextlib.contextmanager
def two_instances(folder):
    """Yield Redis and two instances sharing it (one pipeline worker each); stop them after."""
    redis = RedisProcess(folder).start()
    servers = [ServerProcess(*SERVER_ARGS, "--workers", "1", "--message-queue", redis.url,
                             log_dir=folder) for _ in range(2)]
    try:
        for server in servers:
            server.wait_ready()
        yield redis, servers
    finally:
        for server in servers:
            server.stop()
        redis.stop()

def latency(payload, fps, duration, folder, warm_up_s=3.0):
    """A camera on instance A at `fps`; viewers on A and on B; Redis's cost per relayed frame."""
    with two_instances(folder) as (redis, servers):
        return _measure(redis, servers, payload, fps, duration, warm_up_s)

def _measure(redis, servers, payload, fps, duration, warm_up_s=3.0):
    camera = InOrderClient(reconnection=False)
    camera.connect(servers[0].url, auth=with_token({"source": "bench-cam"}), transports=["websocket"],
                   wait_timeout=10)
    sent_at, seq = {}, 0

    def send_for(seconds):
        nonlocal seq
        until, next_at = time.perf_counter() + seconds, time.perf_counter()
        while time.perf_counter() < until:
            seq += 1
            sent_at[seq] = time.perf_counter()
            camera.emit("image", payload)
            next_at += 1 / fps
            time.sleep(max(0.0, next_at - time.perf_counter()))

    send_for(1.0)  # listed once it has sent a frame
    here, there = Viewer(servers[0].url, "bench-cam"), Viewer(servers[1].url, "bench-cam")
    slow = Viewer(servers[1].url, "bench-cam", slow_s=0.5)  # must not hold up the others
    send_for(warm_up_s)  # warm-up: the first frames relayed start the request for frames
    db = redis.client()
    before = (redis.cpu_seconds(), db.info("stats"), db.info("memory")["used_memory"],
              len(there.arrived))
    first_seq = seq + 1
    send_for(duration)
    time.sleep(0.5)
    stats, memory = db.info("stats"), db.info("memory")["used_memory"]
    relayed = len(there.arrived) - before[3]
    return {
        "fps_offered": fps, "frame_bytes": len(payload),
        "same_instance_ms": summary(_ms(here, sent_at, first_seq)),
        "cross_instance_ms": summary(_ms(there, sent_at, first_seq)),
        "frames_relayed": relayed,
        "frames_sent": seq - first_seq + 1,
        "frames_to_a_slow_viewer_on_b": len([q for q in slow.arrived if q >= first_seq]),
        "redis_cpu_ms_per_frame": round((redis.cpu_seconds() - before[0]) * 1000
                                        / max(relayed, 1), 3),
        "redis_bytes_in_per_frame": round((stats["total_net_input_bytes"]
                                           - before[1]["total_net_input_bytes"]) / max(relayed, 1)),
        "redis_bytes_out_per_frame": round((stats["total_net_output_bytes"]
                                            - before[1]["total_net_output_bytes"]) / max(relayed, 1)),
        "redis_used_memory_kb": {"before": before[2] // 1024, "after": memory // 1024},
    }

def _ms(viewer, sent_at, first_seq):
    return [(at - sent_at[seq]) * 1000 for seq, at in viewer.arrived.items() if seq >= first_seq]

def capacity(payload, clients, duration, folder, warm_up_s=2.0, pair=None):
    """Closed-loop clients (own frames) on one instance with 2 workers, then on two with 1 each.

    `pair`, two instances running already (as two_instances yields them), is used if given.
    """
    results = {}
    with ServerProcess(*SERVER_ARGS, "--workers", "2", log_dir=folder) as one:
        run_load(one, payload, clients=2, duration=warm_up_s)
        results["one_instance_fps"] = run_load(one, payload, clients=clients,
                                               duration=duration)["delivered_fps_total"]
    with contextlib.ExitStack() as stack:
        _, servers = pair or stack.enter_context(two_instances(folder))
        for server in servers:
            run_load(server, payload, clients=1, duration=warm_up_s)
        totals = []
        threads = [threading.Thread(target=lambda s=s: totals.append(run_load(
            s, payload, clients=clients // 2, duration=duration)["delivered_fps_total"]))
            for s in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results["two_instances_fps"] = round(sum(totals), 2)
    results["clients"] = clients
    return results

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="640x480", choices=sorted(SIZES))
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip", default="", help="latency,capacity")
    parser.add_argument("--smoke", action="store_true", help="to check it runs: both parts on one "
                        "pair of instances, 1 s warm-ups")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    payload = jpeg(face_at(*SIZES[args.size]))
    with tempfile.TemporaryDirectory() as folder:
        if args.smoke:
            with two_instances(folder) as pair:
                results = _run(args, payload, folder, warm_up_s=1.0, pair=pair)
        else:
            results = _run(args, payload, folder)
    print(json.dumps(results, indent=2))  # noqa: T201 (the bench's output)

def _run(args, payload, folder, warm_up_s=None, pair=None):
    """Run the parts not skipped; `pair` of instances and short `warm_up_s` for --smoke."""
    results = {"size": args.size}
    warm = {} if warm_up_s is None else {"warm_up_s": warm_up_s}
    if "latency" not in args.skip:
        if pair is None:
            results["latency"] = latency(payload, args.fps, args.duration, folder, **warm)
        else:
            results["latency"] = _measure(*pair, payload, args.fps, args.duration, **warm)
    if "capacity" not in args.skip:
        results["capacity"] = capacity(payload, args.clients, args.duration, folder, **warm,
                                       pair=pair)
    return results

if __name__ == "__main__":
    main()
