'use strict';
// What a stage found in the frame on screen (the meta's `detections`), listed under the picture
// ("person 91%, dog 78%"); nothing when the frame's meta carries no detections.

const MOST_LISTED = 12;  // a crowded frame is summed up, not listed in full

/** Show the detections of a frame's meta in `element`, or hide it when there are none. */
export function showDetections(element, meta) {
  const found = meta && Array.isArray(meta.detections) ? meta.detections : null;
  element.hidden = found === null;
  if (found === null) {
    element.textContent = '';
    return;
  }
  const sorted = [...found].sort((a, b) => b.score - a.score);
  const named = sorted.slice(0, MOST_LISTED).map((d) => `${d.label} ${Math.round(d.score * 100)}%`);
  if (sorted.length > MOST_LISTED) named.push(`${sorted.length - MOST_LISTED} more`);
  element.textContent = named.length ? `Found: ${named.join(', ')}` : 'Found nothing';
}
