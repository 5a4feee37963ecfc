"""Salt noise: a given fraction of pixels turned white."""

import numpy as np

SALT = 255


def salt_noise(frame, amount, rng):
    """Return a copy of `frame` with about `amount` of its pixels set to white."""
    if amount <= 0:
        return frame
    noisy = frame.copy()
    hit = rng.random(frame.shape[:2], dtype=np.float32) < amount
    noisy[hit] = SALT
    return noisy


class SaltNoise:
    """Stage that adds salt noise with each client's own random generator."""

    name = "noise"
    panel = "noisy"

    def __call__(self, frame, settings, state):
        return salt_noise(frame, settings.noise_amount, state.rng)

    def __repr__(self):
        return "SaltNoise()"
