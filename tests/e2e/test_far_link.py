"""Far links: the page and the bridge through a delaying (and capped) proxy on 127.0.0.1.

Each scenario runs about 15 s; the minute-long no-growth runs are in the bench (`python -m bench`).
"""

import statistics
import time

import cv2
import pytest

from bridge.cameras import JpegFilesCamera
from harness.delay_link import DelayLink

from ..bridge_harness import Rig, unique_name, wait_until
from ..browser_page import start_camera
from ..images import FACE_JPEG, face_frame

pytestmark = pytest.mark.slow  # a long run: `make test-unit` or -m 'not slow' leave it out

ONE_WAY_S = 0.1  # 200 ms round trip, a phone on a tunnel
WARM_UP_S = 4.0
MEASURE_S = 12.0

# Records when each processed frame is shown (and its seq), and the size of each frame sent.
RECORD = """
(() => {
  window.__shown = [];
  window.__sentBytes = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data !== 'string') window.__sentBytes.push(data.byteLength || data.size || 0);
    return send.call(this, data);
  };
  document.addEventListener('DOMContentLoaded', () => {
    const img = document.getElementById('processed');
    new MutationObserver(() => window.__shown.push([performance.now(), Number(img.dataset.seq)]))
      .observe(img, { attributes: true, attributeFilter: ['data-seq'] });
  });
})();
"""


def p95(values):
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))]


def set_slider(page, fps):
    page.eval_on_selector("#fps", f"(el) => {{ el.value = '{fps}'; el.dispatchEvent(new Event('input')); }}")


def run_page(open_page, link, fps):
    """Open the page through `link` at `fps`; return (delivered FPS, sizes of frames sent, page)."""
    page = open_page(link.url, init_script=RECORD)
    start_camera(page)
    set_slider(page, fps)
    page.wait_for_timeout(WARM_UP_S * 1000)
    page.evaluate("window.__sentFrames.length = 0; window.__shown.length = 0; window.__sentBytes.length = 0")
    page.wait_for_timeout(MEASURE_S * 1000)
    shown = page.evaluate("window.__shown")
    sizes = page.evaluate("window.__sentBytes")
    assert len(shown) >= 2, "no processed frames through the link"
    delivered = (len(shown) - 1) / ((shown[-1][0] - shown[0][0]) / 1000)
    return delivered, sizes, page


def page_latencies(page):
    """The page's own measured round trips (ms) as shown in its telemetry over a few seconds."""
    samples = []
    for _ in range(20):
        samples.append(page.evaluate("document.querySelector('[data-stat=\"latency\"]').textContent"))
        page.wait_for_timeout(250)
    return [float(text.split(" ")[0]) for text in samples if text[0].isdigit()]


def test_page_reaches_the_slider_rate_over_a_200ms_link(open_page, server):
    with DelayLink(server.port, ONE_WAY_S) as link:
        delivered, _, page = run_page(open_page, link, 15)
        latencies = page_latencies(page)
        in_flight = int(page.inner_text('[data-stat="in_flight"]').split()[0])
        rate = page.inner_text('[data-stat="limit"]')
    assert delivered >= 14, delivered
    assert in_flight >= 2, in_flight  # several frames travel at once
    assert "limited" not in rate, rate
    # The round trip stays near the link's own: no queue builds anywhere.
    assert min(latencies) >= 1000 * link.rtt_s
    assert statistics.median(latencies) <= 1.2 * 1000 * link.rtt_s + 40, latencies


def test_page_fills_a_capped_link_without_a_queue(open_page, server):
    with DelayLink(server.port, ONE_WAY_S, up_bits_per_s=1_000_000) as link:
        delivered, sizes, page = run_page(open_page, link, 15)
        latencies = page_latencies(page)
        page.wait_for_timeout(1500)  # the next stats event refreshes the rate line
        rate = page.inner_text('[data-stat="limit"]')
    carried = link.up_bits_per_s / 8 / statistics.mean(sizes)  # frames a second the link carries
    frame_s = 1 / min(carried, 15)
    assert delivered >= 0.8 * min(carried, 15), (delivered, carried)
    # Link round trip + 3 frame times + pipeline; the smallest latency holds the link, one frame
    # time (the frame's own transmission) and the pipeline.
    assert p95(latencies) <= min(latencies) + 2 * frame_s * 1000 + 50, (latencies, frame_s)
    if carried < 13.5:
        assert rate.startswith("link-limited:") and rate.endswith("of 15 FPS"), rate


@pytest.fixture
def rig(server):
    made = Rig(server.url)
    yield made
    made.close()


def bridge_through(rig, link, jpeg_path, fps):
    """A bridge replaying `jpeg_path` at `fps` through `link`; return (bridge, [(time, latency)])."""
    latencies = []
    bridge, received, _ = rig.bridge(JpegFilesCamera(jpeg_path, fps=fps), server_url=link.url,
                                     name=unique_name("far"))
    bridge.uplink.on_processed = lambda payload, meta: (
        received(payload, meta), latencies.append((time.monotonic(), bridge.uplink.flow.last_latency)))
    return bridge, latencies


def measured(latencies):
    start = latencies[0][0] + WARM_UP_S
    late = [(at, lat) for at, lat in latencies if at >= start and lat is not None]
    return len(late) / (late[-1][0] - start), [lat for _, lat in late]


def test_bridge_reaches_the_camera_rate_over_a_200ms_link(rig, server):
    with DelayLink(server.port, ONE_WAY_S) as link:
        bridge, latencies = bridge_through(rig, link, FACE_JPEG, 15)
        wait_until(lambda: latencies and latencies[-1][0] - latencies[0][0] > WARM_UP_S + MEASURE_S,
                   what="the measurement")
        fps, late = measured(latencies)
        bridge.stop()
    assert fps >= 14, fps
    assert statistics.median(late) <= 1.2 * link.rtt_s + 0.04, late
    first, last = late[: len(late) // 3], late[-len(late) // 3:]
    assert statistics.median(last) <= statistics.median(first) + 0.03  # no growth
    assert bridge.stats()["timeouts"] == 0


def test_bridge_fills_a_capped_link_without_a_queue(rig, server, tmp_path):
    small = tmp_path / "face-320.jpg"
    cv2.imwrite(str(small), cv2.resize(face_frame(), (320, 240)), [cv2.IMWRITE_JPEG_QUALITY, 70])
    with DelayLink(server.port, ONE_WAY_S, up_bits_per_s=1_000_000) as link:
        bridge, latencies = bridge_through(rig, link, small, 15)
        wait_until(lambda: latencies and latencies[-1][0] - latencies[0][0] > WARM_UP_S + MEASURE_S,
                   what="the measurement")
        fps, late = measured(latencies)
        bridge.stop()
    carried = link.up_bits_per_s / 8 / small.stat().st_size
    frame_s = 1 / min(carried, 15)
    assert fps >= 0.8 * min(carried, 15), (fps, carried)
    assert p95(late) <= min(late) + 2 * frame_s + 0.03, (late, frame_s)
