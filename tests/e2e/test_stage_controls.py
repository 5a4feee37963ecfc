"""The Processing controls, drawn from GET /api/stages: the built-in stages, and one added from a folder."""

import re

import av
import cv2
import numpy as np
import pytest

from ..bridge_harness import wait_until
from ..browser_page import (FRAME_TIMEOUT_MS, READ_IMAGE, frame_after, png_frame, shown_seq, start_camera,
                           wait_connected)
from ..images import decode, face_frame
from ..media_helpers import call
from ..server_process import ROOT, ServerProcess
from ..watch_harness import mjpeg_frame

NARROW = {"width": 360, "height": 740}

# The stage of the README's "Write a stage", word for word (the README shows this file).
INVERT_STAGE = (ROOT / "examples" / "stages" / "invert.py").read_text()

# Reports what the detect stage reports, without a model, so the page's list can be seen.
SPOTTER_STAGE = '''"""Made-up detections, for the page's tests."""
from pipeline.stage import Stage


class Spotter(Stage):
    """Report a dog and a person in every frame."""

    name = "spotter"

    def process(self, frame, params, state):
        found = [{"label": "dog", "score": 0.78, "box": [60, 20, 40, 30]},
                 {"label": "person", "score": 0.91, "box": [10, 10, 50, 80]}]
        return frame, {"detections": found}
'''

# Each control of the Processing form that is shown: its size and whether a label names it.
FORM_CONTROLS = """
() => [...document.querySelectorAll('#processing input, #processing select')]
  .filter((el) => el.offsetParent !== null)
  .map((el) => {
    const box = (el.type === 'checkbox' ? el.closest('label') : el).getBoundingClientRect();
    return { id: el.id, height: box.height, right: box.right, labelled: el.labels.length > 0 };
  })
"""

# Every element an id in the switch's aria-describedby names: its text, and whether it is shown.
DESCRIBED_BY = """
(input) => input.getAttribute('aria-describedby').split(' ').map((id) => {
  const hint = document.getElementById(id);
  return { text: hint.textContent, shown: hint.offsetParent !== null };
})
"""


@pytest.fixture(scope="module")
def stages_server(artifacts, tmp_path_factory):
    """A server with the invert stage from one folder and the spotter from another."""
    invert = tmp_path_factory.mktemp("invert-stage")
    (invert / "invert.py").write_text(INVERT_STAGE)
    spotter = tmp_path_factory.mktemp("spotter-stage")
    (spotter / "spotter.py").write_text(SPOTTER_STAGE)
    data_dir = tmp_path_factory.mktemp("stage-media")
    server = ServerProcess(artifacts, "--stages", str(invert), "--stages", str(spotter),
                           "--data-dir", str(data_dir)).wait_ready()
    server.data_dir = data_dir
    yield server
    server.stop()


def described(server):
    """Return what GET /api/stages says."""
    status, description = call("GET", server.url + "/api/stages")
    assert status == 200, description
    return description


def wait_drawn(page, description):
    """Wait until the page has drawn the controls of the last stage and setting described."""
    last = description["output"][-1]["key"] if description["output"] else description["stages"][-1]["name"]
    page.wait_for_selector(f"#processing #{last}", state="attached", timeout=FRAME_TIMEOUT_MS)


def test_the_page_draws_a_switch_per_stage_in_running_order(open_page, server, artifacts):
    description = described(server)
    page = open_page(server.url, viewport=NARROW)
    wait_drawn(page, description)
    switches = page.eval_on_selector_all(
        "#processing .switch input",
        "(inputs) => inputs.map((i) => ({ id: i.id, name: i.name, checked: i.checked, "
        "disabled: i.disabled }))")
    stages = description["stages"]
    assert [s["id"] for s in switches] == [s["name"] for s in switches] == [s["name"] for s in stages]
    for stage, switch in zip(stages, switches):
        assert switch["checked"] == stage["enabled"] and switch["disabled"] == (not stage["available"])
        hints = page.eval_on_selector(f"#{stage['name']}", DESCRIBED_BY)
        assert all(hint["shown"] for hint in hints), stage["name"]
        assert hints[0]["text"] == stage["description"]
        if not stage["available"]:
            assert stage["reason"] in hints[1]["text"]
        for setting in stage["settings"]:
            assert page.get_attribute(f"#{setting['key']}", "name") == setting["key"]
    detect = next(stage for stage in stages if stage["name"] == "detect")
    assert not detect["available"] and "--detector-model" in detect["reason"]  # started without a model
    assert page.is_disabled("#detect") and page.is_visible(f"text={detect['reason']}")
    for setting in description["output"]:
        assert page.get_attribute(f"#{setting['key']}", "name") == setting["key"]

    # The telemetry table has a row per step the server times, in the same order.
    steps = page.eval_on_selector_all("#stage-times th", "(cells) => cells.map((c) => c.textContent)")
    assert steps == ["decode", *[stage["name"] for stage in stages], "encode"]

    # On a 360 px phone: nothing wider than the screen, every control labelled and big enough to tap.
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    for control in page.evaluate(FORM_CONTROLS):
        assert control["labelled"], f"{control['id']} has no label"
        assert control["height"] >= 44, f"{control['id']} is {control['height']} px tall"
        assert control["right"] <= NARROW["width"], f"{control['id']} sticks out"
    page.locator("#processing").screenshot(path=str(artifacts / "stage-controls-narrow.png"))


# Words that page code uses for other things too: for these, only quoted or as a selector counts.
EVERYDAY_WORDS = {"filter", "view"}


def named_in(text, key):
    """Whether source text names a stage or setting `key` (quoted, as a #selector or stage_ key)."""
    if key in EVERYDAY_WORDS:
        return re.search(rf"""["'`#=]{key}(?![\w-])|stage_{key}\b""", text) is not None
    return re.search(rf"\b{key}\b", text) is not None


def test_no_stage_or_setting_is_named_in_the_page_source(server):
    description = described(server)
    keys = {stage["name"] for stage in description["stages"]}
    keys |= {s["key"] for stage in description["stages"] for s in stage["settings"]}
    keys |= {s["key"] for s in description["output"]}
    assert {"noise", "kernel_size", "lip_color", "grayscale", "jpeg_quality"} <= keys
    files = [ROOT / "templates" / "index.html", *sorted((ROOT / "static" / "js").glob("*.js")),
             *sorted((ROOT / "static" / "css").glob("*.css"))]
    found = [(path.name, key) for path in files for key in sorted(keys)
             if named_in(path.read_text(), key)]
    assert not found, f"named in the page's source: {found}"
    # The check itself: it sees a key quoted or as a selector, and not a method or another word.
    assert named_in('<input id="filter">', "filter") and named_in("#view:checked", "view")
    assert not named_in("list.filter((x) => x)", "filter") and not named_in("a preview", "view")


def negative_share(frame):
    """How far `frame` is from the face photo toward its negative: about 0 for the photo, 1 for it."""
    face = cv2.resize(face_frame(), frame.shape[1::-1], interpolation=cv2.INTER_AREA).astype(float)
    to_face = np.abs(frame - face).mean()
    to_negative = np.abs(frame - (255.0 - face)).mean()
    return to_face / (to_face + to_negative)


INVERTED, NOT_INVERTED = 0.7, 0.3


def shown_frame(page):
    """Return the frame on screen as BGR pixels."""
    return png_frame(page.eval_on_selector("#processed", READ_IMAGE))


def test_a_stage_from_a_folder_is_drawn_switched_on_and_seen_everywhere(open_page, stages_server, artifacts):
    description = described(stages_server)
    names = [stage["name"] for stage in description["stages"]]
    assert names.index("invert") == names.index("filter") + 1  # after = "filter"
    page = open_page(stages_server.url)
    start_camera(page)
    wait_drawn(page, description)
    assert not page.is_checked("#invert")  # an added stage starts off
    assert page.is_visible("text=Invert the colours.")
    assert negative_share(shown_frame(page)) < NOT_INVERTED

    page.click("#invert")  # the page's own control, as a user would
    page.wait_for_selector('#processing[aria-busy="false"]')
    assert page.is_checked("#invert")
    # Frames sent before the change may still come back; wait for one that is inverted.
    wait_until(lambda: negative_share(shown_frame(page)) > INVERTED, timeout=30, what="an inverted frame")
    page.wait_for_function("document.querySelector('[data-stat=\"stage_invert\"]').textContent !== '–'",
                           timeout=FRAME_TIMEOUT_MS)  # the server times it
    page.screenshot(path=str(artifacts / "stage-controls-inverted.png"), full_page=True)

    # Shared, the camera is watchable by name; the stage is one more setting of its renditions.
    page.click("#share")
    page.wait_for_selector('#share[aria-pressed="true"]')
    name = page.get_attribute("#processed", "data-source")
    video = f"{stages_server.url}/video/{name}.mjpg"
    assert negative_share(decode(mjpeg_frame(video + "?invert=1"))) > INVERTED
    assert negative_share(decode(mjpeg_frame(video))) < NOT_INVERTED

    status, entry = call("POST", stages_server.url + "/api/recordings",
                         {"source": name, "settings": {"invert": True}})
    assert status == 201, entry
    frame_after(page, shown_seq(page) + 6)  # recording while about a second of frames go by
    status, done = call("POST", f"{stages_server.url}/api/recordings/{entry['id']}/stop")
    assert status == 200 and done["status"] == "ok" and done["frames"] > 0, done
    with av.open(str(stages_server.data_dir / "media" / f"{done['id']}.mp4")) as container:
        first = next(container.decode(video=0)).to_ndarray(format="bgr24")
    assert negative_share(first) > INVERTED


def test_detections_are_listed_under_the_picture(open_page, stages_server):
    page = open_page(stages_server.url)
    start_camera(page)
    wait_drawn(page, described(stages_server))
    assert page.is_hidden("#detections")  # the stage that reports them is off
    page.click("#spotter")
    page.wait_for_selector("#detections:not([hidden])", timeout=FRAME_TIMEOUT_MS)
    assert page.inner_text("#detections") == "Found: person 91%, dog 78%"
    page.click("#spotter")
    page.wait_for_selector("#detections", state="hidden", timeout=FRAME_TIMEOUT_MS)
    assert page.inner_text("#detections") == ""


def test_the_drawn_view_choice_puts_the_steps_side_by_side(open_page, stages_server):
    page = open_page(stages_server.url)
    start_camera(page)
    wait_drawn(page, described(stages_server))
    assert page.is_visible(".preview")
    page.select_option("#view", "stages")
    page.wait_for_selector('#processing[aria-busy="false"]')
    page.wait_for_function("(() => { const img = document.getElementById('processed');"
                           " return img.naturalWidth > 2 * img.naturalHeight; })()", timeout=FRAME_TIMEOUT_MS)
    # The camera preview would cover the last panel: it steps aside.
    page.wait_for_selector(".preview", state="hidden", timeout=FRAME_TIMEOUT_MS)
    assert page.input_value("#view") == "stages"

def test_without_the_token_the_controls_say_so_and_come_once_it_is_given(open_page, shared_server):
    guarded = shared_server()  # it wants the run's token, as every server does
    page = open_page(guarded.url, token=False)  # as without the printed link
    page.wait_for_selector('#notice [data-kind="stages"]', timeout=FRAME_TIMEOUT_MS)
    assert "access token" in page.inner_text("#notice")
    assert page.locator("#processing input").count() == 0
    page.fill("#token", guarded.token)
    page.press("#token", "Enter")
    wait_connected(page)
    page.wait_for_selector("#processing .switch input", state="attached", timeout=FRAME_TIMEOUT_MS)
    page.wait_for_selector('#notice [data-kind="stages"]', state="detached", timeout=FRAME_TIMEOUT_MS)
    assert page.locator("#stage-times th").count() > 2
