"""The access token's parts on their own: the guessing guard, the refusal log, the token file, keys, scrubbing."""

import logging
import os
import stat

import pytest

from bridge.cameras import push_key
from bridge.cameras.push_key import key_in, keys_match
from protocol.refusals import RefusalLog
from web.access import token_matches
from web.guesses import FREE_TRIES, LONGEST_WAIT_S, GuessGuard, client_address
from web.query_token import scrub
from web.token_file import new_token, stored_token, token_path
from ..clock import Clock


def test_an_address_waits_after_its_free_tries_and_the_wait_doubles_up_to_a_minute():
    clock = Clock(1000.0)
    guard = GuessGuard(clock=clock)
    waits = [guard.failed("203.0.113.7") for _ in range(FREE_TRIES)]
    assert waits[:-1] == [0.0] * (FREE_TRIES - 1) and waits[-1] == 2.0
    assert guard.wait_left("203.0.113.7") == 2.0 and guard.wait_left("203.0.113.8") == 0.0
    later = []
    for _ in range(8):
        clock.now += guard.wait_left("203.0.113.7")
        later.append(guard.failed("203.0.113.7"))
    assert later == [4.0, 8.0, 16.0, 32.0, LONGEST_WAIT_S, LONGEST_WAIT_S, LONGEST_WAIT_S,
                     LONGEST_WAIT_S]
    guard.succeeded("203.0.113.7")
    assert guard.wait_left("203.0.113.7") == 0.0


def test_a_quiet_address_is_forgotten_and_memory_stays_bounded():
    clock = Clock(1000.0)
    guard = GuessGuard(clock=clock, max_addresses=3)
    for _ in range(FREE_TRIES):
        guard.failed("a")
    clock.now += 601
    assert guard.wait_left("a") == 0.0 and guard.failed("a") == 0.0
    for address in ("b", "c", "d", "e"):
        guard.failed(address)
    assert len(guard._addresses) == 3


def test_an_ipv6_host_is_one_address_by_its_64():
    assert client_address({"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}) == \
        client_address({"REMOTE_ADDR": "2001:db8:1:2:bbbb::9"}) == "2001:db8:1:2::/64"
    assert client_address({"REMOTE_ADDR": "::ffff:192.0.2.1"}) == "192.0.2.1"
    assert client_address({"REMOTE_ADDR": "127.0.0.2"}) == "127.0.0.2"
    assert client_address({}) == "unknown"


def test_only_the_exact_token_matches():
    assert token_matches("s3cret-token", {"token": "s3cret-token"})
    for given in ("\ud800", "s3cret-toke", None, 42, ["s3cret-token"], ""):
        assert not token_matches("s3cret-token", {"token": given})
    assert not token_matches("s3cret-token", "s3cret-token")


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_a_flood_of_refusals_is_one_line_a_minute_per_reason_with_its_count():
    clock, handler = Clock(1000.0), Lines()
    logger = logging.getLogger("test.refusals")
    logger.addHandler(handler)
    refusals = RefusalLog(logger, clock=clock)
    try:
        for i in range(1000):
            refusals.note("unauthorized")
            if i % 2:
                refusals.note("too_many_tries")
            clock.now += 0.05  # 1000 in 50 s
        assert len(handler.lines) == 2
        clock.now += 11
        refusals.flush()
        assert handler.lines[2:] == ["refused 999 more connection(s) in the last 60 s: unauthorized",
                                     "refused 499 more connection(s) in the last 60 s: too_many_tries"]
        assert refusals.total == 1500
    finally:
        logger.removeHandler(handler)
        if refusals._timer is not None:
            refusals._timer.cancel()


def test_the_token_file_is_made_once_for_its_owner_and_replaced_whole(tmp_path):
    token = stored_token(tmp_path)
    path = token_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(token) >= 24
    assert stored_token(tmp_path) == token
    fresh = new_token(tmp_path)
    assert fresh != token and stored_token(tmp_path) == fresh
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access-token"]  # no spare file left
    os.chmod(path, 0o644)
    assert stored_token(tmp_path) == fresh and stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("short\n")
    with pytest.raises(ValueError, match="--new-token"):
        stored_token(tmp_path)


def test_a_push_key_comes_from_the_token_and_the_name():
    key = push_key("token-one-0123456789", "door")
    assert key == push_key("token-one-0123456789", "door") and len(key) == 22
    assert key != push_key("token-one-0123456789", "porch")
    assert key != push_key("token-two-0123456789", "door")
    assert key_in(f"/ws?fps=5&key={key}") == key and key_in("/ws") == ""
    assert keys_match(key, key) and not keys_match("", key) and not keys_match("\ud800", key)


@pytest.mark.parametrize("line,kept", [
    ("GET /video/x.mjpg?token=SECRET HTTP/1.1", "GET /video/x.mjpg?token=… HTTP/1.1"),
    ("GET /snapshot/x.jpg?grayscale=1&token=SECRET&lips=1", "GET /snapshot/x.jpg?grayscale=1&token=…&lips=1"),
    ("'GET /video/x.mjpg?token=SECRET\\x00 HTTP/1.1'", "'GET /video/x.mjpg?token=…\\x00 HTTP/1.1'"),
    ("/media/files/0123456789abcdef.jpg?key=SECRET", "/media/files/0123456789abcdef.jpg?key=…"),
    ("Authorization: Bearer SECRET", "Authorization: Bearer …"),
    ("GET /video/x.mjpg?view=stages HTTP/1.1", "GET /video/x.mjpg?view=stages HTTP/1.1"),
])
def test_secrets_are_scrubbed_from_log_lines(line, kept):
    assert scrub(line) == kept
