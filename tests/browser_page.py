"""Page-level helpers for the browser tests: wait for frames, read them back, measure them."""

import base64

import cv2
import numpy as np

from pipeline.stamp import BOX_COLOUR

from .images import face_frame, redness, reference_lip_masks

FRAME_TIMEOUT_MS = 30_000

# Counts the binary WebSocket messages the page sends (the JPEG frames), with their times,
# without touching the page's own code.
COUNT_SENT_FRAMES = """
(() => {
  window.__sentFrames = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data !== 'string') window.__sentFrames.push(performance.now());
    return send.call(this, data);
  };
})();
"""

# Reads the processed <img> back as PNG, pixel for pixel, through a canvas.
READ_IMAGE = """
(img) => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  canvas.getContext('2d').drawImage(img, 0, 0);
  return canvas.toDataURL('image/png');
}
"""


def png_frame(data_url):
    """Decode a PNG data URL into a BGR frame."""
    raw = base64.b64decode(data_url.split(",", 1)[1])
    return cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)


def wait_connected(page):
    """Wait until the page says it is connected."""
    page.wait_for_selector('#connection[data-state="connected"]', timeout=FRAME_TIMEOUT_MS)


def start_camera(page):
    """Connect, tap Start and wait for the first processed frame."""
    wait_connected(page)
    page.click("#start")
    page.wait_for_selector("#processed[data-seq]", timeout=FRAME_TIMEOUT_MS)


def shown_seq(page):
    """Return the sequence number of the frame on screen."""
    return int(page.get_attribute("#processed", "data-seq"))


def frame_after(page, seq):
    """Wait until the page shows a frame newer than `seq`; return that frame as BGR pixels."""
    page.wait_for_function(f"Number(document.getElementById('processed').dataset.seq) > {seq}",
                           timeout=FRAME_TIMEOUT_MS)
    return png_frame(page.eval_on_selector("#processed", READ_IMAGE))


def lip_redness_gain(shown):
    """How much redder the lips are in `shown` than in the face photo at the same size."""
    original = cv2.resize(face_frame(), shown.shape[1::-1], interpolation=cv2.INTER_AREA)
    lips, _ = reference_lip_masks(face_frame())
    small = cv2.resize(lips.astype(np.uint8), shown.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
    return redness(shown, small) - redness(original, small)


def stamp_share(frame):
    """Share of the top-left corner painted in the FPS stamp's box colour."""
    corner = frame[4:20, 4:60].astype(int)
    return float(np.mean(np.abs(corner - np.array(BOX_COLOUR)).max(axis=2) < 40))


def send_rate(page, seconds):
    """Measure the page's frames per second over `seconds`, from the frames' own send times."""
    page.evaluate("window.__sentFrames.length = 0")
    page.wait_for_timeout(seconds * 1000)
    times = page.evaluate("window.__sentFrames")
    assert len(times) >= 2, "the page stopped sending"
    return (len(times) - 1) / ((times[-1] - times[0]) / 1000)


def pick_source(page, name):
    """Pick `name` in the Source list by keyboard focus and selection; wait for its first frame."""
    page.wait_for_selector(f'#source option[value="{name}"]', state="attached", timeout=FRAME_TIMEOUT_MS)
    page.focus("#source")
    page.select_option("#source", name)
    page.wait_for_selector(f'#processed[data-source="{name}"]', timeout=FRAME_TIMEOUT_MS)
