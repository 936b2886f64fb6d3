"""Security headers on every response, error pages included; safe redirect targets."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, request

# No inline script or style anywhere: templates load /static files only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Person codes appear in URLs; never hand them to another site.
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            # Pages may show personal data on a shared terminal: never keep them in a cache.
            headers["Cache-Control"] = "no-store"
            headers.setdefault("Pragma", "no-cache")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


# What a browser's URL parser drops before reading a URL (WHATWG URL standard): leading and
# trailing C0 controls and spaces, and every tab or newline anywhere. "/\t/evil.example"
# is "//evil.example" to a browser, another site.
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def local_path(target: str | None) -> str | None:
    """`target` as a path on this site, normalised as a browser would read it; else None.

    Only "/..." paths: no scheme, no host, not "//host" nor "/\\host" (browsers read a
    backslash as a slash in http URLs).
    """
    if not target:
        return None
    cleaned = _TAB_OR_NEWLINE.sub("", target.strip(_URL_EDGES)).replace("\\", "/")
    if _CONTROL.search(cleaned) or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned
