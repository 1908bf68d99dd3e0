"""Security headers on every response."""

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# production only (it is served over TLS there): a year, this host and its subdomains
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = PERMISSIONS
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            # Pages carry personal data: no shared cache keeps them, and the back button
            # after logging out does not show them again.
            response.headers["Cache-Control"] = "no-store"
        if app.config["VISIONSWERK"].is_production:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
