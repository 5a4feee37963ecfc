"""Salt noise: a stage in one file."""

from pipeline.noise import salt_noise
from pipeline.stage import Frame, Number, Params, Stage, StageState


class SaltNoise(Stage):
    """Turn a share of the pixels white, as a noisy sensor would."""

    name = "noise"
    label = "Noise"
    enabled = True
    panel = "noisy"
    amount = Number(0.0, 0.5, default=0.02, label="Noise amount", step=0.01, unit="%")

    def process(self, frame: Frame, params: Params, state: StageState) -> Frame:
        return salt_noise(frame, params.amount, state.rng)
