"""gunicorn's settings for `gunicorn process:app`: the same server `python process.py` runs.

gunicorn reads this file from the working directory by itself. Flags on gunicorn's command
line (-b 0.0.0.0:8000, --threads 100, --certfile ...) override what is set here.
"""

import os
import secrets

from web.config import load_config
from web.serving import gunicorn_options

# One token for the life of the master, so a restarted worker keeps the link it printed.
os.environ.setdefault("ACCESS_TOKEN", secrets.token_urlsafe(18))

globals().update(gunicorn_options(load_config()))
