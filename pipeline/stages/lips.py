"""Lip recolour from dlib's 68 landmarks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2

from pipeline.config import PipelineConfig
from pipeline.lips import LIPS, feathered_mask, recolour
from pipeline.stage import Colour, Frame, Number, Params, Stage, StageState

if TYPE_CHECKING:  # for annotations only: dlib is imported in setup (see there)
    from pipeline.faces import FaceFinder, FaceTrack


class LipRecolour(Stage):
    """Find faces and their 68 landmarks, and tint the lips; an open mouth is left alone."""

    name = "lips"
    label = "Lip colour"
    enabled = True
    color = Colour("#d0103a", label="Lip colour", key="lip_color")
    strength = Number(0.0, 1.0, default=0.6, label="Lip strength", step=0.05, unit="%",
                      key="lip_strength")
    new_track: type[FaceTrack]  # set in setup, as is `faces`; each rendition's state.faces is one
    faces: FaceFinder

    def setup(self, config: PipelineConfig) -> None:
        # dlib is imported where faces are found: the serving process reads this file only
        # for its settings, and never loads dlib.
        from pipeline.faces import FaceFinder, FaceTrack

        self.new_track = FaceTrack
        self.faces = FaceFinder(config.landmark_model, config.detect_width,
                                config.redetect_every, detectors=config.workers)

    def start(self, state: StageState) -> None:
        state.faces = self.new_track()
        state.masks = {}  # each face's feathered mask in the last frame, by its lip points

    def process(self, frame: Frame, params: Params, state: StageState) -> Frame:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        # Stillness is judged on the camera's frame: the noise stage moves every pixel it salts.
        faces = self.faces.find(gray, state.faces, state.original)
        if not faces or params.strength <= 0:
            state.masks = {}
            return frame
        out = frame.copy()
        masks = {}
        for points in faces:
            # A still face keeps its landmarks (faces.py), and so the mask they make.
            key = (points[LIPS].tobytes(), frame.shape[:2])
            mask = state.masks.get(key)
            if mask is None:
                mask = feathered_mask(points, frame.shape)
            masks[key] = mask
            recolour(out, points, params.color.bgr, params.strength, mask)
        state.masks = masks
        return out

    def __repr__(self) -> str:
        return f"LipRecolour(detect_width={self.faces.detect_width})"
