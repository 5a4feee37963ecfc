"""Cameras the server pulls itself (`--camera kitchen=http://...`): the bridge, minus the network hop.

Each camera runs the bridge's own parts (bridge/app.py): its reader (MJPEG pull, WebSocket
push listener, webcam, video, JPEG files), newest-frame slot and stale watchdog, in
threads of their own. Only the uplink differs: frames go straight into the hub as a
named, shared source (streaming/local_source.py).
"""

import logging

import urllib.parse

from bridge.app import Bridge
from bridge.cameras import open_camera, push_key
from protocol import SOURCE_NAME_RULE, ClientError, is_source_name
from streaming.local_source import LocalSource

from .access import reachable_hosts

log = logging.getLogger(__name__)

STALE_AFTER_S = 5.0
STATS_EVERY_S = 60.0


def parse_camera(spec):
    """Split 'NAME=SOURCE' into (name, source); raise ValueError saying what a spec looks like."""
    name, sep, source = spec.partition("=")
    if not sep or not source:
        raise ValueError(f"--camera takes NAME=SOURCE, e.g. kitchen=http://192.168.1.50:81/stream "
                         f"(got {spec[:80]!r})")
    if not is_source_name(name):
        raise ValueError(f"--camera name {name[:40]!r}: use {SOURCE_NAME_RULE}")
    return name, source


def check_cameras(config):
    """Refuse camera specs that cannot work, at start-up, before any worker starts."""
    names = [parse_camera(spec)[0] for spec in config["cameras"]]
    if len(set(names)) != len(names):
        raise ValueError("two --camera flags give the same name")
    if names and config["async_mode"] != "threading":
        raise ValueError("--camera runs in threading mode only (the default)")


def push_urls(config: dict, token: str) -> list[tuple[str, str]]:
    """Return (name, URL with its key) for each camera that pushes to the server (`ws://`)."""
    found = []
    for spec in config["cameras"]:
        name, source = parse_camera(spec)
        if source.startswith("ws://"):
            parts = urllib.parse.urlsplit(source)
            for host in reachable_hosts(parts.hostname or "0.0.0.0"):
                port = 3001 if parts.port is None else parts.port
                found.append((name, f"ws://{host}:{port}{parts.path or '/ws'}"
                                    f"?key={push_key(token, name)}"))
    return found


class ServerCameras:
    """The cameras of `config['cameras']`, each a Bridge whose uplink is the hub.

    A camera that pushes needs its key (push_key: from `token` and its name), whatever the
    server's token rule: its listener faces the network on a port of its own.
    """

    def __init__(self, hub, specs, token, stale_after_s=STALE_AFTER_S):
        self.bridges = []
        for spec in specs:
            name, source = parse_camera(spec)
            camera = open_camera(source, key=push_key(token, name))
            self.bridges.append(Bridge(camera, None, name, stale_after_s=stale_after_s,
                                       stats_every_s=STATS_EVERY_S,
                                       uplink=LocalSource(hub, name)))

    def start(self):
        """Open each camera and its source; raise ValueError if one cannot start."""
        for bridge in self.bridges:
            name = bridge.uplink.name
            try:
                bridge.uplink.open()
                bridge.start()
            except (OSError, ClientError) as exc:
                self.stop()
                raise ValueError(f"--camera {name}: {exc}") from None
            log.info("camera %s: reading %r", name, bridge.camera)
        return self

    def stop(self):
        """Stop every camera's threads and remove its source."""
        for bridge in self.bridges:
            if bridge.alive():
                bridge.stop(timeout_s=2.0)
            bridge.uplink.close()
