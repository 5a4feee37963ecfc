'use strict';
// Capture a video frame as JPEG bytes; show and save JPEG frames.

/** Return the size to capture: the video's own, shrunk so its long side is at most maxSide. */
export function captureSize(width, height, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** Draw the current video frame into the canvas and return it as JPEG bytes (or null). */
export async function captureJpeg(video, canvas, maxSide, quality) {
  if (!video.videoWidth) return null;
  const size = captureSize(video.videoWidth, video.videoHeight, maxSide);
  canvas.width = size.width;
  canvas.height = size.height;
  canvas.getContext('2d').drawImage(video, 0, 0, size.width, size.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  return blob ? blob.arrayBuffer() : null;
}

/** Turn a frame from the server (bytes or a data URL) into a Blob. */
export function frameBlob(frame) {
  if (typeof frame !== 'string') return new Blob([frame], { type: 'image/jpeg' });
  const bytes = Uint8Array.from(atob(frame.split(',', 2)[1]), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: 'image/jpeg' });
}

/** Show a frame in an <img>, freeing the previous frame's object URL. */
export function showFrame(img, blob) {
  const previous = img.dataset.objectUrl;
  const url = URL.createObjectURL(blob);
  img.src = url;
  img.dataset.objectUrl = url;
  if (previous) URL.revokeObjectURL(previous);
}

/** Empty an <img> shown with showFrame. */
export function clearFrame(img) {
  const previous = img.dataset.objectUrl;
  img.removeAttribute('src');
  delete img.dataset.objectUrl;
  if (previous) URL.revokeObjectURL(previous);
}

/** Return the byte size of a frame from the server. */
export function frameBytes(frame) {
  return typeof frame === 'string' ? frame.length : frame.byteLength;
}

/** Whether the picture in an <img> is much wider than the video's frame (several panels of it). */
export function widerThan(img, video) {
  if (!video.videoWidth || !img.naturalHeight) return false;
  return img.naturalWidth / img.naturalHeight > 1.5 * (video.videoWidth / video.videoHeight);
}
