"""Security headers on every HTTP answer: the page may load only from its own origin."""

# blob: for the processed frames (frames.js shows each as an object URL), data: for the
# empty favicon. Everything else, the Socket.IO connection included, is 'self' only.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Referrer-Policy": "no-referrer",
}


def add_headers(response):
    """Add the security headers to `response`, keeping any a route set itself (web/wiring.py)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
