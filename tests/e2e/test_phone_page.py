"""The page on a phone (390x844 and 360x740, touch) and at desktop size: the picture stays in view,
every control is a thumb's size, nothing runs off the screen, nothing to keep before a picture."""

import json

import pytest

from ..browser import DESKTOP, with_token
from ..browser_page import FRAME_TIMEOUT_MS, start_camera, wait_connected
from ..media_helpers import fetch

PHONES = {"phone-390": {"width": 390, "height": 844}, "phone-360": {"width": 360, "height": 740}}
TOUCH = 44  # px: the smallest tap target either way

# Every visible control of the page: what it is, its box, and the viewport.
CONTROLS = """
() => [...document.querySelectorAll('button, select, input, summary, a[href]')]
  .filter((el) => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => {
    const box = el.getBoundingClientRect();
    return { what: el.id || el.name || el.textContent.trim().slice(0, 30) || el.tagName,
             type: el.type || el.tagName, width: box.width, height: box.height };
  })
"""
# The share of the processed picture inside the viewport, after `el` is scrolled into view.
PICTURE_IN_VIEW = """
(id) => {
  const control = document.getElementById(id) || document.querySelector(`[name="${id}"]`);
  control.scrollIntoView({ block: 'start' });
  const box = document.getElementById('processed').getBoundingClientRect();
  const visible = Math.max(0, Math.min(box.bottom, innerHeight) - Math.max(box.top, 0));
  return box.height ? visible / box.height : 0;
}
"""
WIDEST = "() => Math.max(...[...document.querySelectorAll('body *')].map((el) => el.getBoundingClientRect().right))"


@pytest.fixture
def phone_page(browser, server, artifacts):
    """Return a factory of pages of the live page as a phone (touch) or a desktop opens it."""
    contexts = []

    def make(viewport, touch=True):
        context = browser.new_context(viewport=viewport, is_mobile=touch, has_touch=touch,
                                      bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(with_token(server.url + "/"))
        wait_connected(page)
        page.wait_for_selector("#noise", timeout=FRAME_TIMEOUT_MS)  # the controls are drawn
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("name", [*PHONES, "desktop"])
def test_controls_are_thumb_sized_and_nothing_runs_off_the_screen(phone_page, artifacts, name):
    viewport = PHONES.get(name, DESKTOP)
    page = phone_page(viewport, touch=name != "desktop")
    small = [c for c in page.evaluate(CONTROLS)
             if c["type"] not in ("checkbox", "color") and min(c["width"], c["height"]) < TOUCH
             or c["type"] == "checkbox" and c["height"] < 20]  # a checkbox's label is its target
    assert not small, small
    assert page.evaluate(WIDEST) <= viewport["width"] + 1
    page.screenshot(path=str(artifacts / f"page-{name}.png"), full_page=True)


@pytest.mark.parametrize("name", list(PHONES))
def test_the_picture_stays_in_view_while_each_control_is_used(phone_page, artifacts, name):
    page = phone_page(PHONES[name])
    start_camera(page)
    page.wait_for_selector("#processed[src]", state="attached", timeout=FRAME_TIMEOUT_MS)
    ids = page.evaluate("() => [...document.querySelectorAll('#processing [name], #fps')]"
                        ".filter((el) => el.offsetParent !== null).map((el) => el.id)")
    assert {"fps", "noise", "kernel_size", "lip_color", "view"} <= set(ids)
    for control in ids:
        share = page.evaluate(PICTURE_IN_VIEW, control)
        assert share >= 0.5, (control, share)
    page.screenshot(path=str(artifacts / f"page-{name}-scrolled.png"))


def test_record_and_save_wait_for_a_picture_and_say_why(phone_page):
    page = phone_page(PHONES["phone-390"])
    for button in ("#record", "#snapshot-server"):
        assert page.locator(button).is_disabled()
    hint = page.locator("#record-hint")
    assert hint.is_visible() and "start your camera" in hint.inner_text()
    start_camera(page)
    page.wait_for_selector("#processed[src]", state="attached", timeout=FRAME_TIMEOUT_MS)
    page.wait_for_selector("#record:not([disabled])", timeout=FRAME_TIMEOUT_MS)
    assert page.locator("#snapshot-server").is_enabled() and not hint.is_visible()
    page.locator("#stop").click()  # the camera stops: nothing new to keep
    page.wait_for_selector("#record[disabled]", timeout=FRAME_TIMEOUT_MS)


def test_the_page_installs_on_the_home_screen(server):
    status, body = fetch(server.url + "/manifest.webmanifest")
    assert status == 200
    manifest = json.loads(body)
    assert manifest["name"] and manifest["display"] == "standalone" and manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        status, png = fetch(server.url + icon["src"])
        assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n"
    status, page = fetch(server.url + "/")
    assert b'rel="manifest"' in page
