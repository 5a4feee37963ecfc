"""The ordered list of processing stages; adding a stage is one line here."""

from .faces import FaceFinder
from .lips import LipRecolour
from .mean_filter import MeanFilter
from .noise import SaltNoise
from .stamp import FpsStamp

# Each entry builds a stage from the pipeline config. The stage's `name` is also the
# settings flag that switches it on and off.
STAGE_FACTORIES = (
    lambda config: SaltNoise(),
    lambda config: MeanFilter(config.device),
    lambda config: LipRecolour(
        FaceFinder(config.landmark_model, config.detect_width, config.redetect_every,
                   detectors=config.workers)
    ),
    lambda config: FpsStamp(),
)


def build_stages(config):
    """Build every stage once, in processing order."""
    return [factory(config) for factory in STAGE_FACTORIES]
