'use strict';
// Save the processed frame as a file named with the local date and time.

const pad = (n) => String(n).padStart(2, '0');

/** Return a file name like processed-2024-05-01_13-45-09.jpg. */
export function snapshotName(date = new Date()) {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}-${pad(date.getMinutes())}-${pad(date.getSeconds())}`;
  return `processed-${day}_${time}.jpg`;
}

/** Offer the blob as a download. */
export function download(blob, name = snapshotName()) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser time to start reading the blob before freeing it.
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
