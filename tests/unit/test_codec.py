"""Decoding frames crafted to mislead a header parser: a clear error or a frame within the limit, fast."""

import time

import pytest

from pipeline import codec
from protocol import FrameError

from .. import crafted_images as crafted
from ..images import face_jpeg

LIMIT = 3840 * 2160
FAST_S = 1.0  # each is refused or decoded in a few ms; a second leaves room for a busy machine


def outcome(data):
    """Return ('ok', shape) or ('error', code), failing if it took longer than FAST_S."""
    started = time.monotonic()
    try:
        result = ("ok", codec.decode(data, LIMIT).shape)
    except FrameError as exc:
        assert exc.message
        result = ("error", exc.code)
    assert time.monotonic() - started < FAST_S
    return result


@pytest.mark.parametrize("make,expected", [
    (crafted.stray_byte_before_sof, ("error", "too_many_pixels")),
    (crafted.two_sofs, ("error", "not_an_image")),
    (crafted.progressive_declaring, ("error", "too_many_pixels")),
    (crafted.many_scans, ("error", "not_an_image")),
    (crafted.png_lying_ihdr, ("error", "too_many_pixels")),
    (crafted.png_huge_idat, ("ok", (64, 64, 3))),
    (crafted.app_segments_of_odd_lengths, ("ok", (480, 640, 3))),
    (crafted.progressive, ("ok", (480, 640, 3))),
], ids=lambda v: getattr(v, "__name__", None))
def test_crafted_frames_are_refused_or_decoded_within_the_limit(make, expected):
    assert outcome(make()) == expected


def test_a_stray_byte_within_the_limit_is_refused_as_damaged():
    assert outcome(crafted.stray_byte_before_sof(64, 64)) == ("error", "not_an_image")


def test_the_limit_is_the_decoders_own_size():
    assert outcome(crafted.declaring(crafted.small_jpeg(), 3840, 2161)) == ("error", "too_many_pixels")


def test_a_truncated_jpeg_is_named_so():
    assert outcome(face_jpeg()[:5000]) == ("error", "truncated_image")
