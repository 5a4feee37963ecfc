"""A stand-in Socket.IO server that records exactly what a bridge sends, for wire-contract tests."""

import collections
import queue
import threading

import socketio
from werkzeug.serving import make_server


class FakeServer:
    """Records connect auth, `image` and `source_status` events; answers frames when told to."""

    def __init__(self, answer=True, refuse_first=False, port=0):
        self.answer = answer            # send response_back for each frame at once
        self.refuse_first = refuse_first
        self.auths = []
        self._sids = set()
        self.images = queue.Queue()
        self.statuses = queue.Queue()
        self.counts = collections.Counter()
        self.release = threading.Event()  # when answer is False: answer the waiting frame once set
        # Handlers in order on one thread: python-socketio sends a binary event as two packets
        # without a lock, so an ack from a concurrent handler could land between them.
        self.sio = socketio.Server(async_mode="threading", async_handlers=False)
        self.sio.on("connect", self._connect)
        self.sio.on("image", self._image)
        self.sio.on("source_status", self._status)
        self._http = make_server("127.0.0.1", port, socketio.WSGIApp(self.sio), threaded=True)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def stop(self):
        """Stop serving."""
        self.release.set()
        for sid in list(self._sids):
            self.sio.disconnect(sid)
        self.sio.shutdown()  # ends the server's ping and service threads
        self._http.shutdown()
        self._http.server_close()

    def _connect(self, sid, environ, auth=None):
        self._sids.add(sid)
        self.auths.append(auth)

    def _image(self, sid, data):
        self.counts["image"] += 1
        seq = self.counts["image"]
        self.images.put(data)
        if self.refuse_first and seq == 1:
            return {"error": {"code": "not_an_image", "message": "refused for the test"}}
        if self.answer:
            self.sio.emit("response_back", (data, {"seq": seq, "ms": 1.0}), to=sid)
        else:
            threading.Thread(target=self._answer_later, args=(sid, data, seq), daemon=True).start()
        return {"seq": seq}

    def _answer_later(self, sid, data, seq):
        self.release.wait(60)
        self.release.clear()
        self.sio.emit("response_back", (data, {"seq": seq, "ms": 1.0}), to=sid)

    def _status(self, sid, status):
        self.statuses.put(status)
