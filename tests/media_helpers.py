"""Helpers for the media tests: the JSON API, a publishing source, and reading a file's video."""

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import av
import cv2

from harness.access_token import bearer

from .images import face_frame, jpeg
from .socket_client import RecordingClient

VIDEO_FACTS = """async (src) => {
  const video = document.createElement('video');
  video.muted = true;
  video.src = src;
  document.body.append(video);
  const state = await new Promise((done) => {
    video.onloadedmetadata = () => done('ok');
    video.onerror = () => done('error ' + (video.error && video.error.code));
    setTimeout(() => done('timeout'), 10000);
  });
  let played = 0;
  if (state === 'ok') {
    await video.play();
    await new Promise((done) => setTimeout(done, 600));
    played = video.currentTime;
  }
  return { state, duration: video.duration, width: video.videoWidth, height: video.videoHeight, played };
}"""


def call(method, url, body=None, headers=None, raw=None):
    """Return (status, JSON answer) of an API call, with the run's token unless `headers` say."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method,
                                     headers=bearer({**sent, **(headers or {})}, url))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"text": text[:200].decode(errors="replace")}


def fetch(url, headers=None):
    """Return (status, body) of a GET, with the run's token unless `headers` say."""
    try:
        request = urllib.request.Request(url, headers=bearer(headers, url))
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Publisher:
    """A shared source sending the face at `fps` from a thread, counting processed frames back."""

    def __init__(self, url, name, fps=15, size=(640, 480), auth_token=None):
        auth = {"source": name, **({"token": auth_token} if auth_token else {})}
        self.client = RecordingClient(url, auth=auth)
        self.client.next("settings")
        self.frame = jpeg(cv2.resize(face_frame(), size))
        self.fps = fps
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.client.send(self.frame)
        self.client.next("response_back")  # the source is live and listed
        self._thread.start()
        return self

    def _run(self):
        deadline = time.monotonic() + 120  # bounded even if a test forgets to stop it
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                self.client.sio.emit("image", self.frame)
            except Exception:  # the server went away: the test is about that
                return
            time.sleep(1 / self.fps)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def processed(self):
        """Return how many processed frames came back so far."""
        return self.client.counts["response_back"]

    def stop(self, disconnect=True):
        self._stop.set()
        self._thread.join(timeout=5)
        if disconnect:
            self.client.close()


def decoded_frames(path):
    """Return how many frames of a video file decode."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def rows(data_dir):
    """Return the library's rows, read straight from its SQLite file."""
    with sqlite3.connect(data_dir / "library.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return {row["id"]: dict(row) for row in db.execute("SELECT * FROM media")}


def play(page, url):
    """Return what a `<video>` in `page` says about the file at `url`."""
    return page.evaluate(VIDEO_FACTS, url)


def click_delete(page, card, accept=True):
    """Click a card's Delete and answer the question it asks; return the question."""
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    card.locator("button.delete").click()
    page.wait_for_function("() => true")  # the click's handler (and its question) has run
    assert asked, "Delete did not ask first"
    return asked[0]
