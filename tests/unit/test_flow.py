"""FlowControl against a simulated far link and server (virtual time: a minute runs in a second)."""

import statistics

import pytest

from bridge.flow import FlowControl

from ..flow_sim import simulate

SETTLE_S = 5.0


def settled(answers):
    return [(at, latency) for at, latency in answers if at > SETTLE_S]


def p95(values):
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))]


@pytest.mark.parametrize("fps", [6, 15, 30])
@pytest.mark.parametrize("one_way_s", [0.0005, 0.05, 0.1])
def test_ample_link_delivers_the_slider_rate_at_the_links_round_trip(fps, one_way_s):
    answers, flow, _ = simulate(fps, 60, one_way_s=one_way_s)
    late = settled(answers)
    assert len(late) / (60 - SETTLE_S) >= 0.97 * fps
    own = 2 * one_way_s + 0.015
    assert max(latency for _, latency in late) <= 1.2 * own + 0.002  # no queue anywhere
    assert flow.limit(60) is None and flow.dropped == 0


@pytest.mark.parametrize("capacity_fps", [11, 5])
def test_capped_link_is_filled_without_a_standing_queue(capacity_fps):
    answers, flow, _ = simulate(15, 60, capacity_fps=capacity_fps)
    late = settled(answers)
    assert len(late) / (60 - SETTLE_S) >= 0.9 * capacity_fps
    frame_s = 1 / capacity_fps
    assert p95([latency for _, latency in late]) <= 0.2 + 3 * frame_s + 0.015
    first, last = [[lat for at, lat in late if lo <= at < lo + 10] for lo in (SETTLE_S, 50)]
    assert statistics.median(last) <= statistics.median(first) + frame_s  # no growth over a minute
    assert flow.limit(60) == "link"


def test_after_a_stall_it_resumes_at_the_slider_rate_without_a_burst():
    answers, flow, sent = simulate(15, 20, stall=(8, 10))
    assert flow.timeouts >= 1
    # Never faster than the slider, even right after the stall (one frame of jitter allowed).
    gaps = [b - a for a, b in zip(sent, sent[1:])]
    assert min(gaps) >= 0.5 / 15 - 0.002
    after = [latency for at, latency in answers if at > 12]
    assert len(after) >= 0.95 * 15 * 8 and max(after) <= 0.25


def test_an_answer_before_its_ack_and_a_skipped_frame_are_both_settled():
    flow = FlowControl()
    flow.window = 3
    first = flow.on_sent(0.0)
    second = flow.on_sent(0.01)
    third = flow.on_sent(0.02)
    flow.on_ack(first, 1, 0.2)
    flow.on_answer(2, 0.25)        # the answer to the second frame overtakes its ack
    flow.on_ack(second, 2, 0.26)
    flow.on_ack(third, 3, 0.27)
    assert flow.answered == 1 and flow.dropped == 1 and flow.in_flight == 1
    assert flow.on_answer(3, 0.3) == pytest.approx(0.28)
    assert flow.in_flight == 0
