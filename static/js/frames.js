'use strict';
// Capture a video frame as JPEG bytes and show JPEG bytes in an <img>.

export async function captureJpeg(video, canvas, quality) {
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  return blob ? blob.arrayBuffer() : null;
}

export function showJpeg(img, data) {
  const url = typeof data === 'string' ? data : URL.createObjectURL(new Blob([data], { type: 'image/jpeg' }));
  const previous = img.dataset.objectUrl;
  img.src = url;
  if (previous) URL.revokeObjectURL(previous);
  img.dataset.objectUrl = typeof data === 'string' ? '' : url;
}
