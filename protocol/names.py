"""Names on the wire: what a source may be called, the states it reports, the stages it can switch."""

import re

# One rule for the server and the bridge: a bridge must never accept a name the server refuses.
SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")  # fullmatch: "$" allows a newline
SOURCE_NAME_RULE = "1-32 letters, digits, '.', '_' or '-', starting with a letter or digit"

LIVE, STALE = "live", "stale"
SOURCE_STATES = (LIVE, STALE)  # what a source may report about itself in `source_status`
GONE = "gone"  # what the server reports to viewers when a source disconnects

# The processing stages in order; each name is also the setting that switches it on and off.
STAGES = ("noise", "filter", "lips", "stamp")


def is_source_name(name):
    """Tell whether `name` is a valid source name."""
    return isinstance(name, str) and SOURCE_NAME.fullmatch(name) is not None
