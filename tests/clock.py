"""A clock a test moves by hand, for the parts that take one (buckets, guards, slots)."""


class Clock:
    """Returns `now`, which the test moves forward itself."""

    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now
