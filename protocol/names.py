"""Names on the wire: what a source may be called and the states it reports."""

import re

# One rule for the server and the bridge: a bridge must never accept a name the server refuses.
SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")  # fullmatch: "$" allows a newline
SOURCE_NAME_RULE = "1-32 letters, digits, '.', '_' or '-', starting with a letter or digit"

LIVE, STALE = "live", "stale"
SOURCE_STATES = (LIVE, STALE)  # what a source may report about itself in `source_status`
GONE = "gone"  # what the server reports to viewers when a source disconnects
UNSHARED = "unshared"  # ... and when its owner stops sharing it

# A publisher's secret claim on its name (auth {"source": NAME, "claim": SECRET}), kept across
# reconnects so that the same publisher gets its name back and nobody else can take it.
CLAIM_LENGTHS = range(16, 257)
CLAIM_RULE = "a string of 16-256 characters, made at random once and kept"


def is_claim(claim: object) -> bool:
    """Tell whether `claim` has the form of a name claim (its secret is not checked here)."""
    return isinstance(claim, str) and len(claim) in CLAIM_LENGTHS


def is_source_name(name: object) -> bool:
    """Tell whether `name` is a valid source name."""
    return isinstance(name, str) and SOURCE_NAME.fullmatch(name) is not None
