"""A simulated far link and server, in virtual time, for checking FlowControl's behaviour quickly.

The link: `one_way_s` each way and an uplink that sends `capacity_fps` frames a second (a deep
buffer in front of it, like a router). The server: acks on arrival, a one-slot newest-wins
mailbox, `process_s` a frame, answers in order. The sender paces at `fps` and asks the window.
"""

import heapq
import itertools

from bridge.flow import FlowControl

STEP_S = 0.001


def simulate(fps, seconds, one_way_s=0.1, capacity_fps=None, process_s=0.015, stall=None):
    """Run the sender for `seconds`; return [(answered at, latency s)], the FlowControl and sent times.

    `stall` = (start, end): the link holds everything in that span, then lets it through.
    """
    flow = FlowControl(timeout_s=1.5)
    flow.target_fps = fps
    events, order = [], itertools.count()
    answers, sent_times = [], []
    link_free = 0.0
    server = {"busy": None, "waiting": None}  # the frame being processed, the one in the mailbox
    seq = itertools.count(1)

    def at(when, kind, data):
        heapq.heappush(events, (when, next(order), kind, data))

    def held(when):
        return stall[1] if stall and stall[0] <= when < stall[1] else when

    now, next_send = 0.0, 0.0
    while now < seconds:
        while events and events[0][0] <= now:
            _, _, kind, data = heapq.heappop(events)
            if kind == "arrive":  # at the server: number it, ack it, mailbox it
                number = next(seq)
                at(held(now + one_way_s), "ack", (data, number))
                if server["busy"] is None:
                    server["busy"] = number
                    at(now + process_s, "done", None)
                else:
                    server["waiting"] = number  # newest wins
            elif kind == "done":
                at(held(now + one_way_s), "answer", server["busy"])
                server["busy"], server["waiting"] = server["waiting"], None
                if server["busy"] is not None:
                    at(now + process_s, "done", None)
            elif kind == "ack":
                flow.on_ack(data[0], data[1], now)
            elif kind == "answer":
                latency = flow.on_answer(data, now)
                if latency is not None:
                    answers.append((now, latency))
        if now >= next_send and flow.can_send(now):
            flight = flow.on_sent(now)
            sent_times.append(now)
            start = max(now, link_free)
            link_free = start + (1 / capacity_fps if capacity_fps else 0.0)
            at(held(link_free + one_way_s), "arrive", flight)
            next_send = max(next_send + 1 / fps, now + 0.5 / fps)
        now += STEP_S
    return answers, flow, sent_times
