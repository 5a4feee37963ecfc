"""Headless Debian Chromium with a fake camera playing the shipped face, driven by Playwright."""

import pathlib
import shutil

import cv2

from harness.access_token import session_token

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
INSECURE_HOST = "test.lan"  # mapped to 127.0.0.1, so http://test.lan:PORT is not a secure origin
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# Without the background-networking flags Chromium's own connections get refused noisily.
QUIET = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def with_token(url):
    """Return `url` as the server's printed link has it: with the run's #token= (unless it has a fragment)."""
    return url if "#" in url else f"{url}#token={session_token()}"


def write_y4m(path, frame, count=30, fps=30):
    """Write a BGR frame (even width and height) as a `count`-frame YUV4MPEG2 clip in I420."""
    height, width = frame.shape[:2]
    planes = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(count):
            out.write(b"FRAME\n")
            out.write(planes)
    return pathlib.Path(path)


def chromium_args(y4m_path):
    """Flags for a quiet headless Chromium whose camera plays `y4m_path`."""
    return [*QUIET,
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m_path}",
            f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1"]


def launch_chromium(playwright, camera_clip):
    """Launch headless Debian Chromium whose fake camera plays `camera_clip` (a .y4m file)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_args(camera_clip))
