"""The page in headless Chromium whose fake camera plays a panning, zooming face: 30 frames sampled."""

import base64

import cv2
import numpy as np
import pytest

from harness.motion_clips import render

from ..browser import PHONE, launch_chromium, with_token
from ..browser_page import FRAME_TIMEOUT_MS, READ_IMAGE, png_frame, start_camera
from ..images import decode
from ..lip_paint import paint_on_lips

SAMPLES = 30

# Keeps the JPEG bytes of every frame the page sends, in order: frame n has the server's seq n.
KEEP_SENT_JPEGS = """
window.__sentJpegs = [];
(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const bytes = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer);
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      window.__sentJpegs.push(btoa(text));
    }
    return send.call(this, data);
  };
})();
"""


# The frame on screen once decoded (its seq unchanged meanwhile), and the JPEG that was sent for it.
READ_SHOWN_AND_SENT = """
async () => {
  const img = document.getElementById('processed');
  const read = %s;
  for (let tries = 0; tries < 20; tries += 1) {
    const seq = Number(img.dataset.seq);
    try { await img.decode(); } catch (error) { continue; }
    if (Number(img.dataset.seq) === seq) return [seq, read(img), window.__sentJpegs[seq - 1]];
  }
  throw new Error('the frame on screen kept changing while it was read');
}
""" % READ_IMAGE.strip()


def _write_moving_y4m(path, width=320, height=240, count=150):
    """Write a 30 FPS clip of the face panning and zooming gently, as a hand-held phone sees it."""
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for i in range(count):
            phase = 2 * np.pi * i / count
            face = {"x": 0.5 + 0.2 * np.sin(phase), "y": 0.5 + 0.04 * np.sin(2 * phase),
                    "share": 0.3 * (1 + 0.15 * np.sin(phase + 1))}
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(render(width, height, [face]), cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


@pytest.fixture(scope="module")
def moving_camera_page(playwright, tmp_path_factory, server):
    """A page on the test server whose camera plays a moving face, started and showing frames."""
    browser = launch_chromium(playwright, _write_moving_y4m(tmp_path_factory.mktemp("camera")
                                                            / "moving-face.y4m"))
    # Playwright's wait_for_function evaluates with eval, which the page's CSP forbids.
    page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    page.add_init_script(KEEP_SENT_JPEGS)
    page.goto(with_token(server.url))
    start_camera(page)
    yield page
    browser.close()


def test_30_frames_of_a_moving_face_have_the_colour_on_the_lips(moving_camera_page):
    page = moving_camera_page
    checked, missed, seq = 0, [], 0
    for _ in range(SAMPLES):
        page.wait_for_function(f"Number(document.getElementById('processed').dataset.seq) > {seq}",
                               timeout=FRAME_TIMEOUT_MS)
        seq, shown_url, sent = page.evaluate(READ_SHOWN_AND_SENT)
        shown = png_frame(shown_url)
        in_view, on_lips, elsewhere = paint_on_lips(decode(base64.b64decode(sent)), shown)
        checked += in_view
        if in_view and (on_lips < 0.5 or elsewhere > 20):
            missed.append((seq, round(on_lips, 2), elsewhere))
    assert checked >= SAMPLES - 2, "the reference should see the face in nearly every frame"
    assert not missed, f"colour off the lips in frames (seq, share on lips, px elsewhere) {missed}"
