"""The pure MJPEG parser: every firmware format, any chunking, and every fault a camera makes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.jpeg import trim_jpeg
from bridge.mjpeg import MjpegParser, boundary_from_content_type

from ..images import face_jpeg
from ..mjpeg_streams import ARDUINO, CIRCUITPYTHON, chunks, part, small_jpegs, stream

JPEGS = small_jpegs()
BOUNDARIES = [ARDUINO, CIRCUITPYTHON]


def parse(data, boundary, pieces=None, **options):
    parser = MjpegParser(boundary, **options)
    frames = []
    for piece in pieces if pieces is not None else [data]:
        frames += parser.feed(piece)
    return frames, parser


@pytest.mark.parametrize("header,expected", [
    ("multipart/x-mixed-replace;boundary=123456789000000000000987654321", ARDUINO),
    ("multipart/x-mixed-replace; boundary=frame", b"frame"),
    ('multipart/x-mixed-replace; boundary="frame"; charset=x', b"frame"),
    ("multipart/x-mixed-replace; Boundary=--myboundary", b"--myboundary"),
    ("image/jpeg", None),
    (None, None),
])
def test_boundary_is_read_from_the_content_type(header, expected):
    assert boundary_from_content_type(header) == expected


def test_trim_jpeg_keeps_soi_to_last_eoi():
    jpeg = JPEGS[0]
    assert trim_jpeg(b"\r\n" + jpeg + b"\x00\x00") == jpeg
    assert trim_jpeg(jpeg[: len(jpeg) // 2]) is None
    assert trim_jpeg(b"no markers") is None


def test_trim_jpeg_walks_past_an_exif_thumbnail_and_refuses_a_glued_frame():
    thumb = JPEGS[1]
    app1 = b"\xff\xe1" + (len(thumb) + 2).to_bytes(2, "big") + thumb
    with_thumb = JPEGS[0][:2] + app1 + JPEGS[0][2:]
    assert trim_jpeg(with_thumb + b"\xff\xd9junk") == with_thumb
    assert trim_jpeg(JPEGS[0][:len(JPEGS[0]) // 2] + JPEGS[2]) is None


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_whole_stream_at_once(boundary):
    frames, parser = parse(stream(JPEGS, boundary), boundary)
    assert frames == JPEGS and parser.bad_parts == 0


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_one_byte_at_a_time(boundary):
    data = stream([face_jpeg(), *JPEGS], boundary)
    frames, _ = parse(data, boundary, [data[i:i + 1] for i in range(len(data))])
    assert frames == [face_jpeg(), *JPEGS]


def test_a_network_chunk_is_never_taken_as_a_frame():
    data = stream(JPEGS * 2, ARDUINO)
    cut = len(data) // 2 + 17  # mid-frame: two and a half parts in the first chunk
    parser = MjpegParser(ARDUINO)
    first = parser.feed(data[:cut])
    assert first == JPEGS[:len(first)] and 0 < len(first) < 6
    assert first + parser.feed(data[cut:]) == JPEGS * 2


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("fault", ["long_length", "short_length", "garbage"])
def test_faults_that_keep_the_frame(boundary, fault):
    data = stream(JPEGS, boundary, [None, fault, None])
    frames, parser = parse(data, boundary, [data[i:i + 7] for i in range(0, len(data), 7)])
    assert frames == JPEGS and parser.bad_parts == 0
    if fault == "garbage":
        assert parser.skipped_bytes > 50


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("fault", ["truncated", "truncated_full_length"])
def test_truncated_frames_are_dropped_and_the_next_one_kept(boundary, fault):
    frames, parser = parse(stream(JPEGS, boundary, [None, fault, None]), boundary)
    assert frames == [JPEGS[0], JPEGS[2]] and parser.bad_parts == 1


def test_bare_lf_line_endings_are_tolerated():
    data = b"".join(part(jpeg, CIRCUITPYTHON, line=b"\n") for jpeg in JPEGS)
    assert parse(data, CIRCUITPYTHON)[0] == JPEGS


def test_parts_without_headers_or_length_are_cut_at_the_next_boundary():
    data = b"".join(b"--frame\r\n\r\n" + jpeg + b"\r\n" for jpeg in JPEGS) + b"--frame\r\n"
    assert parse(data, b"frame")[0] == JPEGS


def test_without_a_boundary_frames_are_cut_at_jpeg_markers():
    data = b"junk" + JPEGS[0] + b"\r\n--x\r\n" + JPEGS[1][:40] + JPEGS[2]
    frames, parser = parse(data, None, [data[i:i + 3] for i in range(0, len(data), 3)])
    assert frames == [JPEGS[0], JPEGS[2]] and parser.bad_parts == 1


def test_a_boundary_that_never_comes_falls_back_to_jpeg_markers():
    data = b"".join(JPEGS * 20)
    frames, parser = parse(data, b"declared-but-unused", max_frame_bytes=10_000)
    assert parser.delimiter is None
    assert frames and all(frame in JPEGS for frame in frames)


def test_an_oversized_part_is_dropped_and_parsing_goes_on():
    huge = b"--frame\r\n\r\n\xff\xd8" + b"\x00" * 10_000  # the small JPEGs are about 5 KB
    data = huge + stream(JPEGS, CIRCUITPYTHON)
    frames, parser = parse(data, CIRCUITPYTHON, [data[i:i + 512] for i in range(0, len(data), 512)],
                           max_frame_bytes=8000)
    assert frames == JPEGS and parser.bad_parts == 1


FAULTS = [None, None, "long_length", "short_length", "garbage", "truncated", "truncated_full_length"]


@settings(max_examples=150, deadline=None)
@given(boundary=st.sampled_from(BOUNDARIES),
       plan=st.lists(st.tuples(st.integers(0, len(JPEGS) - 1), st.sampled_from(FAULTS)), max_size=8),
       cuts=st.lists(st.integers(0, 30_000), max_size=40))
def test_any_chunking_of_any_faulty_stream_yields_exactly_the_intact_frames(boundary, plan, cuts):
    plan = [*plan, (0, None)]  # a clean last part: a wrong length is only found out at the next boundary
    jpegs = [JPEGS[i] for i, _ in plan]
    data = stream(jpegs, boundary, [fault for _, fault in plan])
    frames, _ = parse(data, boundary, chunks(data, cuts))
    assert frames == [JPEGS[i] for i, fault in plan if fault not in ("truncated", "truncated_full_length")]
