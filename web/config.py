"""Server configuration in layers: defaults, then environment, then explicit overrides."""

import os

from media import MediaLimits
from pipeline import PipelineConfig
from pipeline.codec import MAX_PIXELS
from protocol import MAX_FRAME_BYTES
from streaming.client import ClientLimits
from streaming.names import NAME_GRACE_S

from .access import is_loopback

DEFAULTS = {
    "host": "127.0.0.1",
    "port": 9990,
    "async_mode": "threading",
    "workers": os.cpu_count() or 2,
    "in_process": False,
    "landmark_model": None,
    "device": None,
    "detect_width": PipelineConfig.detect_width,
    "redetect_every": PipelineConfig.redetect_every,
    "max_frame_bytes": MAX_FRAME_BYTES,
    "max_pixels": MAX_PIXELS,
    "stats_interval": 1.0,
    # Access and limits (README, Security).
    "public": False,  # kept for old scripts: the token is always needed now
    "no_token": False,  # --no-token: a direct local connection needs no token (loopback only)
    "token": None,
    "allowed_origins": (),
    "allowed_hosts": (),
    "name_grace": NAME_GRACE_S,
    "max_clients": ClientLimits.max_clients,
    "max_fps": ClientLimits.max_fps,
    "idle_timeout": ClientLimits.idle_timeout,
    "max_renditions": ClientLimits.max_renditions,
    "https": False,
    "cert": None,
    "key": None,
    "log_level": "INFO",
    # Recording and media (README): where, how long, how much, how many at once.
    "data_dir": None,  # None: data/ in the repository
    "max_recording_s": MediaLimits.max_recording_s,
    "media_quota_mb": MediaLimits.quota_mb,
    "max_recordings": MediaLimits.max_recordings,
    "max_snapshots": MediaLimits.max_snapshots,
    # Watch from anything (README): MJPEG streams at once, and cameras the server pulls itself.
    "max_viewers": 16,
    "cameras": (),
    # Several instances sharing sources through Redis (README, Scaling out); None: one process.
    "message_queue": None,
    # Stages added from folders (README, Write a stage), and the detect stage's model.
    "stages": (),
    "detector_model": None,
    "detector_labels": None,
    "detector_runtime": "auto",
}

ASYNC_MODES = ("threading", "eventlet")

# Environment variable -> (config key, parser).
ENVIRONMENT = {
    "HOST": ("host", str),
    "PORT": ("port", int),
    "ASYNC_MODE": ("async_mode", str),
    "WORKERS": ("workers", int),
    "IN_PROCESS": ("in_process", lambda text: text.lower() in ("1", "true", "yes")),
    "LANDMARK_MODEL": ("landmark_model", str),
    "TORCH_DEVICE": ("device", str),
    "MAX_FRAME_BYTES": ("max_frame_bytes", int),
    "MAX_PIXELS": ("max_pixels", int),
    "LOG_LEVEL": ("log_level", str),
    "ACCESS_TOKEN": ("token", str),
    "NO_TOKEN": ("no_token", lambda text: text.lower() in ("1", "true", "yes")),
    "ALLOWED_ORIGINS": ("allowed_origins", lambda text: tuple(o for o in text.split(",") if o)),
    "ALLOWED_HOSTS": ("allowed_hosts", lambda text: tuple(h for h in text.split(",") if h)),
    "NAME_GRACE": ("name_grace", float),
    "MAX_CLIENTS": ("max_clients", int),
    "MAX_FPS": ("max_fps", float),
    "IDLE_TIMEOUT": ("idle_timeout", float),
    "MAX_RENDITIONS": ("max_renditions", int),
    "DATA_DIR": ("data_dir", str),
    "MAX_RECORDING_S": ("max_recording_s", float),
    "MEDIA_QUOTA_MB": ("media_quota_mb", float),
    "MAX_RECORDINGS": ("max_recordings", int),
    "MAX_SNAPSHOTS": ("max_snapshots", int),
    "MAX_VIEWERS": ("max_viewers", int),
    "CAMERAS": ("cameras", lambda text: tuple(c.strip() for c in text.split(",") if c.strip())),
    "MESSAGE_QUEUE": ("message_queue", str),
    "STAGES": ("stages", lambda text: tuple(f for f in text.split(os.pathsep) if f)),
    "DETECTOR_MODEL": ("detector_model", str),
    "DETECTOR_LABELS": ("detector_labels", str),
    "DETECTOR_RUNTIME": ("detector_runtime", str),
}


def from_environment(environ=os.environ):
    """Return the config keys set in the environment, parsed."""
    found = {}
    for variable, (key, parse) in ENVIRONMENT.items():
        if environ.get(variable):
            try:
                found[key] = parse(environ[variable])
            except ValueError:
                # The value itself is left out: it may be a secret such as ACCESS_TOKEN.
                raise ValueError(f"${variable} has an invalid value") from None
    return found


def pipeline_config(config):
    """Return the PipelineConfig a loaded config describes (the landmark model already found)."""
    return PipelineConfig(
        landmark_model=str(config["landmark_model"] or ""),
        device=config["device"],
        detect_width=config["detect_width"],
        redetect_every=config["redetect_every"],
        workers=config["workers"],
        max_pixels=config["max_pixels"],
        stage_folders=tuple(str(folder) for folder in config["stages"]),
        detector_model=config["detector_model"],
        detector_labels=config["detector_labels"],
        detector_runtime=config["detector_runtime"],
    )


def load_config(overrides=None, environ=os.environ):
    """Return defaults updated by the environment, then by `overrides` (None values ignored)."""
    config = dict(DEFAULTS)
    config.update(from_environment(environ))
    config.update({k: v for k, v in (overrides or {}).items() if v is not None})
    unknown = set(config) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
    if config["async_mode"] not in ASYNC_MODES:
        raise ValueError(f"async_mode must be one of {', '.join(ASYNC_MODES)}")
    _check_access(config)
    queue = config["message_queue"]
    if queue and not queue.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("--message-queue takes a Redis URL: redis://HOST:6379/0")
    if queue and config["async_mode"] != "threading":
        raise ValueError("--message-queue works in the default threading mode only")
    return config


def _check_access(config):
    """Refuse access settings that contradict each other, or --no-token beyond loopback."""
    if config["no_token"] and config["public"]:
        raise ValueError("--no-token and --public contradict each other: drop one")
    if config["no_token"] and not is_loopback(config["host"]):
        raise ValueError(f"--no-token is for a server on loopback only, not --host "
                         f"{config['host']}: beyond it, clients need the token (README, Security)")
