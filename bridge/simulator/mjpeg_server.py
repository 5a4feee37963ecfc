"""Serve MJPEG the way ESP32 firmwares do: Arduino CameraWebServer (chunked) or CircuitPython (raw)."""

import collections
import http.server
import logging
import threading
import time
import urllib.parse

from .faults import FaultPlan, paced_frames

log = logging.getLogger(__name__)

Format = collections.namedtuple("Format", "boundary content_type chunked timestamps")

FORMATS = {
    # esp32 CameraWebServer (app_httpd.cpp): every httpd_resp_send_chunk is one HTTP chunk.
    "arduino": Format("123456789000000000000987654321",
                      "multipart/x-mixed-replace;boundary=123456789000000000000987654321", True, True),
    # The CircuitPython XIAO sketch (seed 001): raw parts, the stream ends when the socket closes.
    "circuitpython": Format("frame", "multipart/x-mixed-replace; boundary=frame", False, False),
}

# The settings CameraWebServer's /control accepts (a subset); anything else gets a 500, as there.
CONTROL_VARS = {"framesize", "quality", "brightness", "contrast", "saturation", "hmirror", "vflip"}


class MjpegCameraSimulator:
    """An HTTP server on `host:port` with /stream, /capture and /control, like the firmware's."""

    def __init__(self, jpegs, fmt="arduino", plan=None, fps=10.0, host="127.0.0.1", port=0):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        self.jpegs = list(jpegs)
        self.format = FORMATS[fmt]
        self.plan = plan or FaultPlan()
        self.period = 1.0 / fps
        self.controls = {}
        self.clients = 0
        self.sent = 0
        self._stop = threading.Event()
        self._httpd = http.server.ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.simulator = self
        self.host, self.port = self._httpd.server_address[:2]

    def __repr__(self):
        return f"MjpegCameraSimulator({self.stream_url!r}, {self.plan!r})"

    @property
    def stream_url(self):
        """The URL a bridge pulls."""
        return f"http://{self.host}:{self.port}/stream"

    @property
    def control_url(self):
        """The URL of the /control endpoint."""
        return f"http://{self.host}:{self.port}/control"

    def start(self):
        """Serve in a background thread; return self."""
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                         name="simulated-mjpeg", daemon=True).start()
        log.info("simulated %s camera at %s", self.format.boundary, self.stream_url)
        return self

    def stop(self):
        """Stop serving and end every stream."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def stream(self, handler):
        """Send parts to one client until it leaves, a `drop` fault, or stop()."""
        fmt = self.format
        handler.send_response(200)
        handler.send_header("Content-Type", fmt.content_type)
        if fmt.chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Access-Control-Allow-Origin", "*")
        handler.end_headers()
        handler.close_connection = True
        self.clients += 1
        for jpeg, fault in paced_frames(self.jpegs, self.plan, self.period, self._stop):
            pieces = self._part(jpeg, fault)
            if fault == "drop":
                whole = b"".join(pieces)
                # Cut mid-part, as a camera that reboots or loses Wi-Fi does.
                head = b"%x\r\n" % len(whole) if fmt.chunked else b""
                handler.wfile.write(head + whole[:len(whole) // 2])
                return
            for piece in pieces:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if fmt.chunked else piece)
            self.sent += 1

    def _part(self, jpeg, fault):
        """Return the pieces of one part (each piece one HTTP chunk in the chunked format)."""
        length = len(jpeg)
        if fault == "truncated":
            jpeg = jpeg[:len(jpeg) // 2]
            length = len(jpeg)
        elif fault == "bad_length":
            # Alternate a length that is too long with one that is too short.
            length += 777 if self.plan.injected["bad_length"] % 2 else -777
        headers = f"Content-Type: image/jpeg\r\nContent-Length: {length}\r\n"
        if self.format.timestamps:
            now = time.time()
            headers += f"X-Timestamp: {int(now)}.{int(now % 1 * 1e6):06d}\r\n"
        head = headers.encode() + b"\r\n"
        garbage = [self.plan.garbage()] if fault == "garbage" else []
        delimiter = b"--" + self.format.boundary.encode()
        if self.format.chunked:
            return [*garbage, b"\r\n" + delimiter + b"\r\n", head, jpeg]
        return [*garbage, delimiter + b"\r\n" + head + jpeg + b"\r\n"]

    def control(self, handler, query):
        """Record a CameraWebServer control; 200 if the variable is known, 500 otherwise."""
        var, val = query.get("var", [""])[0], query.get("val", [""])[0]
        known = var in CONTROL_VARS and val.lstrip("-").isdigit()
        if known:
            self.controls[var] = int(val)
            log.info("control %s=%s", var, val)
        _reply(handler, 200 if known else 500, b"", "text/plain")

    def capture(self, handler):
        """Answer one still JPEG, like /capture."""
        _reply(handler, 200, self.jpegs[0], "image/jpeg")


def _reply(handler, status, body, content_type):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        sim = self.server.simulator
        url = urllib.parse.urlsplit(self.path)
        try:
            if url.path == "/stream":
                sim.stream(self)
            elif url.path == "/control":
                sim.control(self, urllib.parse.parse_qs(url.query))
            elif url.path in ("/capture", "/capture.jpg"):
                sim.capture(self)
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client %s:%d left", *self.client_address[:2])

    def log_message(self, format, *args):
        log.debug("%s " + format, self.client_address[0], *args)
