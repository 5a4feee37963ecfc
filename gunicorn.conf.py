"""gunicorn's settings for `gunicorn process:app`: the same server `python process.py` runs.

gunicorn reads this file from the working directory by itself. Flags on gunicorn's command
line (-b 0.0.0.0:8000, --threads 100, --certfile ...) override what is set here.
"""

import logging

from web.cli import LOG_FORMAT
from web.config import load_config
from web.serving import gunicorn_options

# The token is the data folder's (or $ACCESS_TOKEN): a restarted worker, and a restarted
# server, keep the link they printed.
_config = load_config()
# The app's own lines (its start-up, refusals, recordings) as `python process.py` logs them;
# gunicorn configures only its own loggers. The worker forks from here and keeps this.
logging.basicConfig(level=_config["log_level"].upper(), format=LOG_FORMAT)
globals().update(gunicorn_options(_config))
