"""Normalised k x k mean filter done with torch.nn.functional.conv2d."""

import cv2
import torch
import torch.nn.functional as F

KERNEL_SIZES = range(1, 16, 2)


def mean_kernel(size, channels, device):
    """Return a depthwise normalised mean kernel of shape (channels, 1, size, size)."""
    return torch.full((channels, 1, size, size), 1.0 / (size * size), device=device)


def mean_filter(frame, kernel, device):
    """Filter a frame (H x W x C uint8) with a depthwise kernel; return uint8 of the same shape."""
    channels, _, size, _ = kernel.shape
    pad = size // 2
    # Replicate the border so the output keeps the input's size and edges do not darken;
    # padding the uint8 image is cheaper than padding the float tensor.
    padded = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    pixels = torch.from_numpy(padded.reshape(padded.shape[0], padded.shape[1], channels))
    # HWC uint8 -> NCHW float, as conv2d wants it.
    batch = pixels.to(device).permute(2, 0, 1).unsqueeze(0).float()
    smoothed = F.conv2d(batch, kernel, groups=channels)
    # Round and clamp before the cast: a plain cast truncates and can wrap around.
    result = smoothed.round_().clamp_(0, 255).to(torch.uint8)
    return result[0].permute(1, 2, 0).contiguous().cpu().numpy()


class MeanFilter:
    """Stage that smooths with a normalised mean kernel, in colour or grayscale."""

    name = "filter"
    panel = "filtered"

    def __init__(self, device=None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        # Every allowed size is built once here, so no frame pays for a kernel.
        self.kernels = {k: mean_kernel(k, 3, self.device) for k in KERNEL_SIZES}

    def __call__(self, frame, settings, state):
        kernel = self.kernels[settings.kernel_size]
        if settings.grayscale:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)[:, :, None]
            smoothed = mean_filter(gray, kernel[:1], self.device)
            return cv2.cvtColor(smoothed, cv2.COLOR_GRAY2BGR)
        if settings.kernel_size == 1:
            return frame
        return mean_filter(frame, kernel, self.device)

    def __repr__(self):
        return f"MeanFilter(device='{self.device}')"
