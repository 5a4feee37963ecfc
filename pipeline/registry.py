"""The ordered list of processing stages; adding one is a line here and its name in protocol."""

from protocol import STAGES

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
    """Build every stage once, in processing order; fail if they differ from the protocol's list."""
    stages = [factory(config) for factory in STAGE_FACTORIES]
    names = tuple(stage.name for stage in stages)
    if names != STAGES:
        raise RuntimeError(f"the stages {names} differ from protocol.STAGES {STAGES}")
    return stages
