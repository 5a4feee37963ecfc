"""Redis and nginx started for tests on 127.0.0.1, on free ports, in temporary folders."""

import logging
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from harness.redis_process import START_S, RedisProcess, wait_listening

from .server_process import ROOT, ServerProcess, free_port

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def need(binary):
    """Return the path of `binary`, or skip the test saying how to install it."""
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
    if path is None:
        pytest.skip(f"{binary} is not installed (`make packages` installs it from Debian)")
    return path


class RedisServer(RedisProcess):
    """redis-server for a test; the test is skipped where it is not installed."""

    def __init__(self, folder):
        super().__init__(folder, need("redis-server"))


def nginx_conf(listen, upstreams):
    """The shipped deploy/nginx.conf with its listen port and instances replaced."""
    text = NGINX_CONF.read_text()
    servers = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n"
                      for port in upstreams)
    text, found = re.subn(r"(?m)^        server 127\.0\.0\.1:\d+ .*\n", "", text)
    assert found, "deploy/nginx.conf lists no instances to replace"
    text = text.replace("        ip_hash;\n", "        ip_hash;\n" + servers)
    return re.sub(r"listen \d+;", f"listen 127.0.0.1:{listen};", text)


class Nginx:
    """nginx running deploy/nginx.conf in front of `upstreams` (ports)."""

    def __init__(self, folder, upstreams):
        self.binary = need("nginx")
        self.prefix = pathlib.Path(folder) / "nginx"
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (self.prefix / "nginx.conf").write_text(nginx_conf(self.port, upstreams))
        self.log_path = self.prefix / "nginx.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([self.binary, "-p", str(self.prefix), "-c", "nginx.conf",
                                          "-e", "stderr"], stdout=log, stderr=subprocess.STDOUT)
        wait_listening(self.port, self.proc, self.log_path, "nginx")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def instance(artifacts, redis_url, token, port=None, args=()):
    """A server instance in the cluster, with the shared token from the environment."""
    return ServerProcess(artifacts, "--workers", "1", "--message-queue", redis_url, *args,
                         env={"ACCESS_TOKEN": token}, port=port)


class Cluster:
    """Redis, `size` instances sharing it, and nginx in front of them; close() stops them all."""

    def __init__(self, artifacts, folder, token, size=2):
        self.token = token
        self.redis = RedisServer(folder).start()
        self.servers = [instance(artifacts, self.redis.url, token) for _ in range(size)]
        try:
            for server in self.servers:
                server.wait_ready()
            self.proxy = Nginx(folder, [server.port for server in self.servers])
        except Exception:
            self.close()
            raise

    def holder(self, name, timeout=START_S):
        """Return the instance that holds source `name`, by its key in Redis."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.redis.client().get(f"camera:name:{name}")
            if value is not None:
                port = int(value.decode().split("|")[0].split(":")[1])
                found = [s for s in self.servers if s.port == port]
                if found:
                    return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no instance holds {name} after {timeout} s")

    def other(self, server):
        """Return an instance that is not `server`."""
        return next(s for s in self.servers if s is not server)

    def close(self):
        for stop in [getattr(self, "proxy", None), *self.servers, self.redis]:
            if stop is not None:
                try:
                    stop.stop()
                except (OSError, subprocess.SubprocessError, ValueError) as exc:
                    logging.getLogger(__name__).warning("stopping %s: %s", stop, exc)


def kill_hard(server):
    """Kill an instance as a crash would: its worker, pipeline children and master, at once."""
    import psutil
    family = [*server.process.children(recursive=True), server.process]
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue
    server.proc.wait(timeout=10)
    psutil.wait_procs(family, timeout=10)
