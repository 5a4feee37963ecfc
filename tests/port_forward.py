"""A loopback TCP forward, as `ssh -R`, `ngrok tcp` or socat make one: to the server, every client is local."""

import selectors
import socket
import threading

BUFFER = 64 * 1024


class PortForward:
    """Listens on 127.0.0.1 and relays each connection to `target_port`, from `source_host`.

    The relayed connection leaves from `source_host` (any 127.x.y.z address is this machine),
    so a test can play a client whose address differs from its own.
    """

    def __init__(self, target_port, source_host="127.0.0.1"):
        self.target = ("127.0.0.1", target_port)
        self.source_host = source_host
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="port-forward", daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stopped.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                if key.fileobj is self._listener:
                    self._accept()
                else:
                    self._relay(key.fileobj, key.data)

    def _accept(self):
        client, _ = self._listener.accept()
        try:
            upstream = socket.create_connection(self.target, timeout=5,
                                                source_address=(self.source_host, 0))
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._selector.register(client, selectors.EVENT_READ, upstream)
        self._selector.register(upstream, selectors.EVENT_READ, client)

    def _relay(self, sock, other):
        try:
            data = sock.recv(BUFFER)
            if data:
                other.setblocking(True)  # a test's traffic is small: a short blocking write is fine
                other.settimeout(5)
                other.sendall(data)
                other.setblocking(False)
                return
        except OSError:
            pass
        for end in (sock, other):
            self._close(end)

    def _close(self, sock):
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    def stop(self):
        """Stop relaying and close every connection."""
        self._stopped.set()
        self._thread.join(timeout=5)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()
        self._selector.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
