"""HTTPS for the LAN: a self-signed certificate made once and kept, or the user's own."""

import logging
import pathlib

from werkzeug.serving import make_ssl_devcert

log = logging.getLogger(__name__)

CERT_DIR = pathlib.Path(__file__).resolve().parent.parent / "certs"


def certificate(config):
    """Return (certfile, keyfile) for HTTPS, or None when serving plain HTTP."""
    if config["cert"] or config["key"]:
        if not (config["cert"] and config["key"]):
            raise ValueError("--cert and --key go together")
        return config["cert"], config["key"]
    if not config["https"]:
        return None
    base = CERT_DIR / "self-signed"
    cert, key = base.with_suffix(".crt"), base.with_suffix(".key")
    if not (cert.is_file() and key.is_file()):
        # Kept across restarts, so a phone's one-time "proceed anyway" stays valid.
        CERT_DIR.mkdir(exist_ok=True)
        make_ssl_devcert(str(base), host="camera-processing.local")
        log.info("made a self-signed certificate in %s", CERT_DIR)
    return str(cert), str(key)
