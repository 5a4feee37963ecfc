"""The camera wall in headless Chromium: every shared source live in a grid; a pick opens it on the main page.

It also plays /video/NAME.mjpg in a plain <img>, as another site's page or a dashboard would.
"""

import pytest

from bridge.cameras import JpegFilesCamera
from harness.access_token import session_token

from ..bridge_harness import Rig, unique_name
from ..browser import DESKTOP
from ..browser_page import FRAME_TIMEOUT_MS, READ_IMAGE, png_frame, wait_connected
from ..images import FACE_JPEG, face_frame, reference_lip_masks
from ..lip_paint import paint_on_lips

@pytest.fixture
def two_cameras(server):
    """Two bridges relaying the face photo to the test server as shared sources."""
    rig = Rig(server.url)
    names = [unique_name("wall") for _ in range(2)]
    for name in names:
        _, received, _ = rig.bridge(JpegFilesCamera(FACE_JPEG, fps=10), name=name)
        received.wait_for(1)
    yield names
    rig.close()


def _tile(name):
    return f'figure.tile[data-name="{name}"]'


def test_the_wall_shows_both_sources_live_with_recoloured_lips(open_page, server, two_cameras):
    page = open_page(server.url + "/cameras", viewport=DESKTOP)
    for name in two_cameras:
        tile = page.locator(_tile(name))
        tile.wait_for(timeout=FRAME_TIMEOUT_MS)
        assert tile.locator(".name").text_content() == name
        assert tile.locator(".state").text_content() == "live"
        page.wait_for_function(f"document.querySelector('{_tile(name)} img').naturalWidth > 0",
                               timeout=FRAME_TIMEOUT_MS)
        shown = png_frame(tile.locator("img").evaluate(READ_IMAGE))
        in_view, on_lips, elsewhere = paint_on_lips(face_frame(), shown)
        assert in_view and on_lips >= 0.5 and elsewhere <= 20, (on_lips, elsewhere)
    # Each tile's stream is an HTTP viewer; the wall's next refresh counts it.
    page.wait_for_function(
        f"document.querySelector('{_tile(two_cameras[0])} .watching').textContent === '1 watching'",
        timeout=FRAME_TIMEOUT_MS)


def test_picking_a_source_on_the_wall_opens_it_on_the_main_page(open_page, server, two_cameras):
    page = open_page(server.url + "/cameras", viewport=DESKTOP)
    name = two_cameras[1]
    page.locator(_tile(name)).wait_for(timeout=FRAME_TIMEOUT_MS)
    page.click(f"{_tile(name)} a")
    wait_connected(page)
    page.wait_for_selector(f'#processed[data-source="{name}"]', timeout=FRAME_TIMEOUT_MS)
    assert page.input_value("#source") == name


def test_the_wall_works_under_its_content_security_policy(open_page, server, two_cameras):
    # Only selectors here: no script evaluated by the test itself.
    page = open_page(server.url + "/cameras", viewport=DESKTOP, enforce_csp=True)
    for name in two_cameras:
        page.locator(_tile(name) + '[data-state="live"]').wait_for(timeout=FRAME_TIMEOUT_MS)
    assert page.get_attribute(_tile(two_cameras[0]) + " img", "src").startswith("/video/")


def test_a_plain_img_tag_plays_the_stream(open_page, server, two_cameras):
    page = open_page(server.url + "/cameras", viewport=DESKTOP)
    name = two_cameras[0]
    page.evaluate(f"""() => {{
        const img = document.createElement('img');
        img.id = 'plain';
        img.src = '/video/{name}.mjpg?lip_color=%2300ff00&token={session_token()}';
        document.body.append(img);
    }}""")
    page.wait_for_function("document.getElementById('plain').naturalWidth > 0", timeout=FRAME_TIMEOUT_MS)
    shown = png_frame(page.eval_on_selector("#plain", READ_IMAGE))
    assert shown.shape == face_frame().shape
    lips, _ = reference_lip_masks(face_frame())  # the query's lip colour: green this time
    assert greenness(shown, lips) - greenness(face_frame(), lips) > 20


def greenness(frame, mask):
    """Mean of G - (R + B) / 2 over the masked pixels."""
    pixels = frame[mask].astype(float)
    return float((pixels[:, 1] - (pixels[:, 0] + pixels[:, 2]) / 2).mean())
