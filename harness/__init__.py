"""What the bench and the tests both drive a real server with, from outside it.

The server and Redis as child processes on free loopback ports, the run's access token, a
delaying (and capping) TCP link, an MJPEG player, and the small statistics they report.
"""
