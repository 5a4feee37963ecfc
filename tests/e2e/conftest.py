"""The end-to-end tier: real servers, browsers and players, two at a time (`make test`).

Each test here may run once more if it fails. These tests share a 2-core machine with the
other worker's servers and browsers, and a few of them bound a latency or a rate while that
happens. A regression fails both tries. A rerun is listed in the run's last line ("N rerun"),
so a test that needs its second try is still seen. The unit tier gets no second try.
"""

import pytest

RERUNS = 1


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/e2e/" in str(item.path) and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=RERUNS))
