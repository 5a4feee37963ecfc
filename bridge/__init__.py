"""Relay a camera (ESP32 MJPEG or push, webcam, video file, JPEG folder) to the server as a named source."""
