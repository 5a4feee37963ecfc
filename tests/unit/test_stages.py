"""The stage API: loading stage files, their settings, their state, their errors, in-process."""

import json
import logging
import pathlib
import textwrap

import numpy as np
import pytest

from pipeline import (Catalogue, Pipeline, PipelineConfig, Settings, StageError, StageFailed,
                      StreamState, find_landmark_model, load_catalogue, use)
from pipeline.stage_loader import load_stages
from pipeline.stage_settings import Choice, Colour, Flag, Integer, Number, Text
from protocol import SettingsError

from ..images import face_frame, face_jpeg

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "stages"
BUILT_IN = ["noise", "filter", "lips", "detect", "stamp"]
ONLY = {name: False for name in BUILT_IN}  # every built-in off, so a test sees its own stage


def stage_folder(tmp_path, **files):
    """Write `files` (name -> source) into a folder of stages; return the folder."""
    folder = tmp_path / "stages"
    folder.mkdir(exist_ok=True)
    for name, source in files.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


@pytest.fixture
def catalogue_in_use():
    """Put the built-in catalogue back after a test that used another."""
    yield
    use(load_catalogue(PipelineConfig()))


def pipeline_with(folder):
    return Pipeline(PipelineConfig(str(find_landmark_model()), stage_folders=(str(folder),)))


def test_the_examples_load_and_place_themselves(catalogue_in_use):
    names = [cls.name for cls in load_stages((str(EXAMPLES),))]
    assert names == ["noise", "filter", "invert", "lips", "detect", "motion", "stamp"]


def test_the_invert_example_works_unchanged_through_the_pipeline(catalogue_in_use):
    pipeline = pipeline_with(EXAMPLES)
    assert Settings().invert is False and Settings().invert_strength == 1.0
    frame = face_frame()
    out = pipeline.run(frame, Settings(**ONLY, invert=True), StreamState.seeded(0), {})
    assert (out.astype(int) + frame == 255).all()
    half = pipeline.run(frame, Settings(**ONLY, invert=True, invert_strength=0.5),
                        StreamState.seeded(0), {})
    assert np.abs(half.astype(int) - 127).max() <= 1


def test_a_stage_keeps_its_state_per_stream_and_reports_into_the_meta(catalogue_in_use):
    pipeline = pipeline_with(EXAMPLES)
    settings = Settings(**ONLY, motion=True)
    still, moved = face_frame(), np.roll(face_frame(), 40, axis=1)
    one, other = StreamState.seeded(1), StreamState.seeded(2)
    first = pipeline.process(face_jpeg(), settings, one)
    assert first.info == {}  # nothing to compare with yet
    info = {}
    out = pipeline.run(moved, settings, one, {}, info)
    assert info["moved"] > 0.05 and (out == (0, 255, 0)).all(axis=2).mean() > 0.05
    info = {}
    pipeline.run(still, settings, other, {}, info)
    assert info == {}  # another stream has its own memory: its first frame


def test_an_added_stage_is_off_until_switched_and_its_settings_are_checked(catalogue_in_use):
    use(load_catalogue(PipelineConfig(stage_folders=(str(EXAMPLES),))))
    assert Settings().invert is False
    with pytest.raises(SettingsError) as bad:
        Settings().updated({"invert_strength": 2})
    assert "invert_strength" in bad.value.message and "between 0.0 and 1.0" in bad.value.message
    assert Settings().updated({"motion_colour": "#FF0000"}).motion_colour.bgr == (0, 0, 255)


def test_a_setting_of_a_stage_not_loaded_is_unknown():
    with pytest.raises(SettingsError) as bad:
        Settings().updated({"invert": True})
    assert bad.value.code == "unknown_setting"


def test_switching_on_a_stage_that_cannot_run_says_how_to_make_it_run():
    with pytest.raises(SettingsError) as bad:
        Settings().updated({"detect": True})
    assert bad.value.code == "bad_settings" and "--detector-model" in bad.value.message
    assert Settings().updated({"detect": False}).detect is False


def test_the_description_lists_stages_in_order_with_their_settings():
    description = Catalogue(load_stages(), PipelineConfig()).describe()
    json.dumps(description)  # it goes to the page as JSON
    assert [s["name"] for s in description["stages"]] == BUILT_IN
    noise = description["stages"][0]
    assert noise["description"] and noise["enabled"] and noise["available"]
    assert noise["settings"] == [{"key": "noise_amount", "type": "number", "label": "Noise amount",
                                  "default": 0.02, "min": 0.0, "max": 0.5, "step": 0.01,
                                  "unit": "%"}]
    detect = description["stages"][3]
    assert detect["available"] is False and "--detector-model" in detect["reason"]
    assert [s["key"] for s in description["output"]] == ["jpeg_quality", "view"]


def test_the_keys_of_today_keep_their_names_and_defaults():
    assert Settings().as_dict() == {
        "noise": True, "filter": True, "lips": True, "detect": False, "stamp": True,
        "noise_amount": 0.02, "kernel_size": 3, "grayscale": False, "lip_color": "#d0103a",
        "lip_strength": 0.6, "detect_confidence": 0.25, "detect_labels": "",
        "jpeg_quality": 75, "view": "processed"}


@pytest.mark.parametrize("setting,good,bad", [
    (Number(0, 1, default=0.5), [(0, 0.0), (1, 1.0), (0.25, 0.25)], [True, "0.5", float("nan"), 2]),
    (Integer(1, 15, default=3, step=2), [(5, 5), (7.0, 7)], [4, 2.5, 17, False]),
    (Flag(False), [(True, True)], [1, "yes", None]),
    (Choice(["a", "b"], default="a"), [("b", "b")], ["c", 1, None]),
    (Colour("#000000"), [("#ABCDEF", "#abcdef")], ["red", "#abc", "#abcdef\n"]),
    (Text("", max_length=5), [("ab,c", "ab,c")], ["toolong", 5, "a\nb"]),
])
def test_each_kind_of_setting_checks_its_values(setting, good, bad):
    for value, canonical in good:
        assert setting.check(value) == canonical
    for value in bad:
        with pytest.raises(ValueError):
            setting.check(value)


def test_query_text_parses_to_each_kind():
    assert Flag().parse("on") is True and Flag().parse("0") is False
    assert Integer(1, 9, default=1).parse("5") == 5 and Number(0, 1, default=0).parse("0.5") == 0.5
    assert Number(0, 1, default=0).parse("half") == "half"  # passed on, so the error names it


BROKEN = {
    "a syntax error": ({"bad": "class X(:\n    pass\n"}, "bad.py, line 1: syntax error"),
    "an import that fails": ({"bad": "import os\nimport no_such_module_here\n"},
                             "bad.py, line 2: ModuleNotFoundError"),
    "a setting with no default": ({"bad": """
        from pipeline.stage import Number, Stage

        class Bad(Stage):
            name = "bad"
            level = Number(0, 1)

            def process(self, frame, params, state):
                return frame
        """}, "bad.py, line 4: setting 'level' of stage 'bad' has no default"),
    "two stages with one name": ({"one": """
        from pipeline.stage import Stage

        class One(Stage):
            name = "noise"

            def process(self, frame, params, state):
                return frame
        """}, "two stages are named 'noise'"),
    "an after that names no stage": ({"bad": """
        from pipeline.stage import Stage

        class Bad(Stage):
            name = "bad"
            after = "filtr"

            def process(self, frame, params, state):
                return frame
        """}, "bad.py, line 4: stage 'bad' runs after 'filtr', which is no stage"),
    "a stage without process": ({"bad": """
        from pipeline.stage import Stage

        class Bad(Stage):
            name = "bad"
        """}, "stage 'bad' has no process"),
    "a key another stage uses": ({"bad": """
        from pipeline.stage import Number, Stage

        class Bad(Stage):
            name = "bad"
            size = Number(0, 1, default=0, key="kernel_size")

            def process(self, frame, params, state):
                return frame
        """}, "declares the setting 'kernel_size', which another stage or setting already uses"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_stage_stops_loading_with_one_line_naming_the_file(tmp_path, case):
    files, expected = BROKEN[case]
    folder = stage_folder(tmp_path, **files)
    with pytest.raises(StageError) as bad:
        Catalogue(load_stages((str(folder),)), PipelineConfig())
    message = str(bad.value)
    assert expected in message and "\n" not in message
    if "line" in expected:
        assert str(folder) in message


def test_a_missing_folder_is_named():
    with pytest.raises(StageError, match="--stages /no/such/folder: no such folder"):
        load_stages(("/no/such/folder",))


def test_a_stage_that_fails_costs_its_frame_and_logs_once_a_minute(tmp_path, caplog,
                                                                  catalogue_in_use):
    folder = stage_folder(tmp_path, flaky="""
        from pipeline.stage import Flag, Stage

        class Flaky(Stage):
            name = "flaky"
            shape = Flag(False)

            def process(self, frame, params, state):
                if params.shape:
                    return frame[:1]  # not the frame it was given
                raise ZeroDivisionError("oops")
        """)
    pipeline = pipeline_with(folder)
    state = StreamState.seeded(0)
    with caplog.at_level(logging.ERROR, logger="pipeline.compose"):
        for _ in range(5):
            with pytest.raises(StageFailed):
                pipeline.process(face_jpeg(), Settings(**ONLY, flaky=True), state)
    lines = [r for r in caplog.records if "stage 'flaky' failed" in r.getMessage()]
    assert len(lines) == 1 and "ZeroDivisionError: oops" in lines[0].getMessage()
    with pytest.raises(StageFailed):
        pipeline.process(face_jpeg(), Settings(**ONLY, flaky=True, flaky_shape=True), state)
    # The other stages and streams go on.
    assert pipeline.process(face_jpeg(), Settings(), StreamState.seeded(1)).jpeg


def test_the_stamp_shows_no_rate_until_it_knows_one(monkeypatch):
    from pipeline.stages import stamp

    texts = []
    monkeypatch.setattr(stamp, "draw_label", lambda frame, text: texts.append(text) or frame)
    stage, state = stamp.FpsStamp(), StreamState.seeded(0)
    for _ in range(3):
        stage.process(face_frame(), stage.params(Settings()), state.of(stage))
    assert texts[0] == "FPS: --" and texts[1].startswith("FPS: ") and texts[1] != "FPS: 0.0"


def test_the_readme_shows_the_example_word_for_word():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Write a stage"):readme.index("## Detect objects")]
    shown = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert shown == (EXAMPLES / "invert.py").read_text()
