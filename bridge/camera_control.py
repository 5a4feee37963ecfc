"""Pass frame size and JPEG quality through to the Arduino CameraWebServer's /control endpoint."""

import logging
import urllib.error
import urllib.parse
import urllib.request

log = logging.getLogger(__name__)

# esp32-camera's framesize_t values, as CameraWebServer's /control?var=framesize expects them.
FRAME_SIZES = {
    "96X96": 0, "QQVGA": 1, "QCIF": 2, "HQVGA": 3, "240X240": 4, "QVGA": 5, "CIF": 6,
    "HVGA": 7, "VGA": 8, "SVGA": 9, "XGA": 10, "HD": 11, "SXGA": 12, "UXGA": 13,
}


def frame_size_value(text):
    """Return the framesize number for a name such as VGA, or for a number given as text."""
    if text.isdigit():
        return int(text)
    try:
        return FRAME_SIZES[text.upper()]
    except KeyError:
        raise ValueError(f"unknown frame size {text!r}; use one of {', '.join(FRAME_SIZES)} "
                         "or a number") from None


def control_url_for(stream_url):
    """Guess the /control URL: CameraWebServer streams on port 81 and takes controls on port 80."""
    parts = urllib.parse.urlsplit(stream_url)
    host = parts.hostname if ":" not in (parts.hostname or "") else f"[{parts.hostname}]"
    netloc = host if parts.port in (None, 81) else f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, "/control", "", ""))


def send_controls(control_url, controls, timeout_s=5.0):
    """Send each `var=val` to the camera; log and return the names it refused or never answered."""
    failed = []
    for var, val in controls.items():
        query = urllib.parse.urlencode({"var": var, "val": val})
        try:
            with urllib.request.urlopen(f"{control_url}?{query}", timeout=timeout_s) as response:
                response.read()
            log.info("camera control %s=%s set", var, val)
        except (urllib.error.URLError, OSError) as exc:
            log.warning("camera control %s=%s failed at %s: %s", var, val, control_url, exc)
            failed.append(var)
    return failed
