"""The face detector rests on a still scene, and looks again as soon as anything moves."""

import cv2
import numpy as np
import pytest

from pipeline import find_landmark_model
from pipeline.faces import SCENE_REST_FRAMES, FaceFinder, FaceTrack
from pipeline.noise import salt_noise

from ..images import face_frame


class CountingFinder(FaceFinder):
    """The server's face finder, counting how often its detector runs."""

    looks = 0

    def _run_detector(self, gray):
        self.looks += 1
        return super()._run_detector(gray)


@pytest.fixture
def finder():
    return CountingFinder(str(find_landmark_model()), detectors=1)


def gray_of(frame, rng=None):
    """The lips stage's view of a frame: after the default 2 % salt noise when `rng` is given."""
    if rng is not None:
        frame = cv2.blur(salt_noise(frame, 0.02, rng), (3, 3))
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def test_a_still_face_under_noise_is_tracked_without_the_detector(finder):
    frame, rng, track = face_frame(), np.random.default_rng(0), FaceTrack()
    found = [finder.find(gray_of(frame, rng), track) for _ in range(40)]
    assert all(len(faces) == 1 for faces in found)
    # The first frame's detection and nothing more: the periodic look every 10 frames rests.
    assert finder.looks == 1


def test_an_empty_still_room_is_looked_at_once_per_rest(finder):
    room = np.full((480, 640, 3), 120, np.uint8)
    cv2.rectangle(room, (50, 60), (300, 400), (40, 80, 160), cv2.FILLED)
    rng, track = np.random.default_rng(1), FaceTrack()
    frames = 2 * SCENE_REST_FRAMES
    assert not any(finder.find(gray_of(room, rng), track) for _ in range(frames))
    # Once, then once more when the rest is over (it used to run on every frame without a face).
    assert finder.looks == 2


def test_a_face_walking_into_a_still_room_is_found_on_its_first_frame(finder):
    face = face_frame()
    room = cv2.blur(face, (151, 151))  # the same light, no face in it
    rng, track = np.random.default_rng(2), FaceTrack()
    for _ in range(20):
        assert not finder.find(gray_of(room, rng), track)
    looks = finder.looks
    assert len(finder.find(gray_of(face, rng), track)) == 1
    assert finder.looks == looks + 1


def test_a_moving_face_keeps_the_periodic_look(finder):
    face, track = face_frame(), FaceTrack()
    height, width = face.shape[:2]
    for i in range(30):
        shifted = cv2.warpAffine(face, np.float32([[1, 0, 3 * (i % 10)], [0, 1, 0]]), (width, height),
                                 borderMode=cv2.BORDER_REPLICATE)
        assert len(finder.find(gray_of(shifted), track)) == 1
    assert finder.looks >= 3  # the first frame, then every 10th at least
