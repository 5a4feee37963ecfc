"""Nothing is done again for a still scene: the detector rests, a still face keeps its landmarks.

Stillness is judged on the camera's frame; the tests send the lips stage's view of it (after
the default 2 % salt noise and the 3 x 3 filter) beside it, as the pipeline does.
"""

import cv2
import numpy as np
import pytest

from pipeline import find_landmark_model
from pipeline.face_tracking import KEEP_FRAMES, STILL_CELL, CameraCells, TrackedFace
from pipeline.faces import SCENE_REST_FRAMES, FaceFinder, FaceTrack
from pipeline.noise import salt_noise

from ..images import face_frame


class CountingFinder(FaceFinder):
    """The server's face finder, counting how often its detector and its predictor run."""

    looks = fits = 0

    def _run_detector(self, gray):
        self.looks += 1
        return super()._run_detector(gray)

    def landmarks(self, gray, box):
        self.fits += 1
        return super().landmarks(gray, box)


@pytest.fixture
def finder():
    return CountingFinder(str(find_landmark_model()), detectors=1)


class Camera:
    """Frames as the lips stage sees them, each with its camera frame."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def find(self, finder, frame, track):
        noisy = cv2.blur(salt_noise(frame, 0.02, self.rng), (3, 3))
        return finder.find(cv2.cvtColor(noisy, cv2.COLOR_BGR2GRAY), track, frame)


def moved(frame, dx):
    height, width = frame.shape[:2]
    return cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, 0]]), (width, height),
                          borderMode=cv2.BORDER_REPLICATE)


def test_a_still_face_is_painted_every_frame_from_one_look_and_few_fits(finder):
    frame, camera, track = face_frame(), Camera(0), FaceTrack()
    found = [camera.find(finder, frame, track) for _ in range(40)]
    assert all(len(faces) == 1 for faces in found)
    # The first frame's detection and nothing more: the periodic look every 10 frames rests.
    assert finder.looks == 1
    # Landmarks fitted on the first frame, kept while the lips stay, refitted once they were
    # kept KEEP_FRAMES times.
    assert finder.fits == 1 + 40 // (KEEP_FRAMES + 1)
    assert all(np.array_equal(faces[0], found[0][0]) for faces in found[:KEEP_FRAMES + 1])


def test_a_face_whose_lips_stay_is_not_searched_for(finder, monkeypatch):
    searches, search = [], TrackedFace.relocate

    def counted(face, gray):
        searches.append(face)
        return search(face, gray)

    monkeypatch.setattr(TrackedFace, "relocate", counted)
    frame, camera, track = face_frame(), Camera(5), FaceTrack()
    found = [camera.find(finder, frame, track) for _ in range(KEEP_FRAMES)]
    assert all(len(faces) == 1 for faces in found)
    assert searches == []  # found by the first frame's look, and its lips kept since
    camera.find(finder, moved(frame, 2), track)
    assert len(searches) == 1  # the lips moved: where did the face go?


def test_lips_that_move_a_pixel_are_fitted_again(finder):
    frame, camera, track = face_frame(), Camera(1), FaceTrack()
    first = camera.find(finder, frame, track)[0]
    fits = finder.fits
    again = camera.find(finder, moved(frame, 1), track)[0]
    assert finder.fits == fits + 1
    assert not np.array_equal(first, again)


def test_an_open_mouth_is_fitted_again(finder):
    frame, camera, track = face_frame(), Camera(2), FaceTrack()
    lips = camera.find(finder, frame, track)[0][48:60]
    fits = finder.fits
    opened = frame.copy()
    centre = lips.mean(axis=0).astype(int)
    cv2.ellipse(opened, tuple(int(v) for v in centre), (12, 4), 0, 0, 360, (20, 20, 30), cv2.FILLED)
    camera.find(finder, opened, track)
    assert finder.fits == fits + 1


def test_an_empty_still_room_is_looked_at_once_per_rest(finder):
    room = np.full((480, 640, 3), 120, np.uint8)
    cv2.rectangle(room, (50, 60), (300, 400), (40, 80, 160), cv2.FILLED)
    camera, track = Camera(3), FaceTrack()
    assert not any(camera.find(finder, room, track) for _ in range(2 * SCENE_REST_FRAMES))
    # Once, then once when the rest is over (it used to run on every frame without a face).
    assert finder.looks == 2


def test_a_face_walking_into_a_still_room_is_found_on_its_first_frame(finder):
    face = face_frame()
    room = cv2.blur(face, (151, 151))  # the same light, no face in it
    camera, track = Camera(4), FaceTrack()
    for _ in range(20):
        assert not camera.find(finder, room, track)
    looks = finder.looks
    assert len(camera.find(finder, face, track)) == 1
    assert finder.looks == looks + 1


def test_a_moving_face_is_fitted_every_frame_and_looked_for_every_tenth(finder):
    face, camera, track = face_frame(), Camera(5), FaceTrack()
    for i in range(30):
        assert len(camera.find(finder, moved(face, 2 * i), track)) == 1  # drifting right
    assert finder.fits >= 30
    assert finder.looks >= 3


def test_without_the_camera_frame_noise_counts_as_motion(finder):
    # A caller that gives only the noisy frame loses the saving, never a face.
    frame, rng, track = face_frame(), np.random.default_rng(6), FaceTrack()
    for _ in range(21):
        noisy = cv2.blur(salt_noise(frame, 0.02, rng), (3, 3))
        assert len(finder.find(cv2.cvtColor(noisy, cv2.COLOR_BGR2GRAY), track)) == 1
    assert finder.looks == 3 and finder.fits >= 21


@pytest.mark.parametrize("height,width", [(480, 640), (245, 333), (5, 7)])
def test_the_cells_under_the_lips_are_those_of_the_whole_frame(height, width):
    frame = cv2.resize(face_frame(), (width, height), interpolation=cv2.INTER_AREA)
    whole = CameraCells(frame).everywhere()
    assert whole.shape == (max(1, height // STILL_CELL), max(1, width // STILL_CELL))
    lips = np.array([(width * 0.4, height * 0.6), (width * 0.6, height * 0.7)] * 10, np.int32)
    points = np.zeros((68, 2), np.int32)
    points[48:68] = lips
    under = CameraCells(frame).under_lips(points)
    assert under.size
    rows, columns = under.shape
    places = [(top, left) for top in range(whole.shape[0] - rows + 1)
              for left in range(whole.shape[1] - columns + 1)
              if np.allclose(whole[top:top + rows, left:left + columns], under, atol=1e-3)]
    # Value for value, but for float rounding in the grey conversion (about 1e-5).
    assert len(places) == 1, "the lips' cells are one block of the whole frame's"
