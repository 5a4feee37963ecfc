"""Normalised k x k mean filter done with torch.nn.functional.conv2d: one pass, or two 1-D ones."""

import functools

import cv2
import numpy as np
import torch
import torch.nn.functional as F

# On the CPU a large frame is filtered in bands of about this many pixels: a whole 1280x720
# frame as float32 is 11 MB, out of cache. 640x480 stays whole: cut in two it took 2.6 against
# 2.1 ms, and 720p in two bands is as quick as in four. The output is identical.
BAND_PIXELS = 480_000
# A 3 x 3 mean is quicker as one pass (one conv2d over 3 channels); from 5 x 5 up, two 1-D
# passes are (640x480 on one core: 3 x 3 2.0 against 2.3 ms; 5 x 5 3.0-3.3 against 2.7 ms;
# 15 x 15 35 against 5 ms). Both give the same output.
ONE_PASS_UP_TO = 3


def mean_filter(frame: np.ndarray, size: int, device: torch.device,
                band_pixels: int | None = None) -> np.ndarray:
    """Filter a frame (H x W x C uint8) with a size x size normalised mean on `device`; return uint8.

    With `band_pixels`, rows are filtered a band of about that many pixels at a time.
    """
    pad = size // 2
    # Replicate the border so the output keeps the input's size and edges do not darken;
    # padding the uint8 image is cheaper than padding the float tensor.
    padded = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    padded = padded.reshape(padded.shape[0], padded.shape[1], -1)
    height = frame.shape[0]
    rows = max(1, band_pixels // frame.shape[1]) if band_pixels else height
    if rows >= height:  # one band: its output is the frame, with no copy into another
        return _filter_band(padded, size, device).reshape(frame.shape)
    out = np.empty(frame.shape[:2] + padded.shape[2:], np.uint8)
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        out[top:bottom] = _filter_band(padded[top:bottom + 2 * pad], size, device)
    return out.reshape(frame.shape)


def _filter_band(padded_rows: np.ndarray, size: int, device: torch.device) -> np.ndarray:
    """Filter padded rows (h + 2 pad) x (w + 2 pad) x C; return h x w x C uint8."""
    rows, columns, channels = padded_rows.shape
    pixels = torch.from_numpy(padded_rows).to(device).float()
    # An HWC buffer seen as NCHW is channels-last in memory, the layout oneDNN's depthwise
    # convolution is fastest in; the batch axis goes first so its stride is one oneDNN knows.
    image = pixels.unsqueeze(0).permute(0, 3, 1, 2)
    if size <= ONE_PASS_UP_TO:
        smoothed = F.conv2d(image, _kernel(channels, (size, size), device), groups=channels)
    else:
        smoothed = _two_passes(pixels, size, device)
    result = smoothed[0].permute(1, 2, 0).cpu().numpy()
    # Round and saturate to uint8 in one pass; a plain cast would truncate and wrap around.
    return cv2.convertScaleAbs(np.ascontiguousarray(result)).reshape(result.shape)


def _two_passes(pixels: torch.Tensor, size: int, device: torch.device) -> torch.Tensor:
    """Return the k x k mean of HWC `pixels` as a k x 1 mean then a 1 x k mean (N, C, h, w).

    2k multiply-adds a pixel instead of k². Both passes are depthwise conv2d on views of one
    HWC buffer, so nothing is transposed.
    """
    rows, columns, channels = pixels.shape
    # Down the columns: each row's W x C values are the channels of a (rows x 1) image. Seen
    # channels-last that is the buffer as it lies, and oneDNN fills its vector lanes with
    # neighbouring values, which a 3-channel depthwise convolution cannot.
    wide = pixels.reshape(1, rows, 1, columns * channels).permute(0, 3, 1, 2)
    down = F.conv2d(wide, _kernel(columns * channels, (size, 1), device), groups=columns * channels)
    # Along the rows: the same buffer seen as a C-channel image, channels-last.
    image = down.permute(0, 2, 3, 1).reshape(1, rows - size + 1, columns, channels).permute(0, 3, 1, 2)
    return F.conv2d(image, _kernel(channels, (1, size), device), groups=channels)


@functools.lru_cache(maxsize=32)  # a few sizes and devices; making one took 0.05 ms a frame
def _kernel(channels: int, shape: tuple[int, int], device: torch.device) -> torch.Tensor:
    """Return a depthwise mean kernel (channels, 1, *shape); one value, broadcast, not copied."""
    taps = shape[0] * shape[1]
    return torch.full((1, 1, *shape), 1.0 / taps, device=device).expand(channels, 1, *shape)
