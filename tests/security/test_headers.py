"""The security headers every response carries, the relaxed policy of the API docs pages
only, HSTS over HTTPS, the HTTPS redirect, and the flags of the session cookie."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

STRICT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources}."""
    parts = (part.strip().split(" ", 1) for part in
             response["Content-Security-Policy"].split(";") if part.strip())
    return {name: sources for name, sources in parts}


@pytest.mark.parametrize("path", [
    "/", "/ajukan/", "/lacak/", "/statistik/", "/staff/masuk/", "/admin/login/",
    "/api/v1/services/", "/open311/v2/services.json",
])
def test_every_page_carries_the_strict_policy_and_headers(world, path):
    response = Client().get(path)
    assert response.status_code == 200, path
    assert policy(response) == STRICT_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_error_pages_carry_the_policy_too(world):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert policy(response) == STRICT_POLICY


def test_swagger_ui_allows_inline_styles_and_nothing_else_more(world):
    page = Client().get(reverse("api-docs"))
    assert policy(page) == {**STRICT_POLICY, "style-src": "'self' 'unsafe-inline'"}
    # Its start-up script is a file of the same origin, not an inline block.
    html = page.content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    assert "<script>" not in html
    script = Client().get(reverse("api-docs"), {"script": ""})
    assert script["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle(" in script.content.decode()


def test_redoc_allows_inline_styles_and_its_search_worker(world):
    page = Client().get(reverse("api-redoc"))
    assert policy(page) == {**STRICT_POLICY, "style-src": "'self' 'unsafe-inline'",
                            "worker-src": "blob:"}
    html = page.content.decode()
    assert "<script>" not in html and "fonts.googleapis.com" not in html


def test_hsts_is_sent_over_https(world):
    response = Client().get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in Client().get("/")  # never over plain HTTP


def test_plain_http_is_redirected_to_https_when_ssl_redirect_is_on(world, settings):
    # The test settings turn the redirect off, since the test server speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/lacak/?x=1")
    assert (response.status_code, response["Location"]) == (
        301, "https://testserver/lacak/?x=1")
    assert Client().get("/lacak/", secure=True).status_code == 200


def test_behind_a_proxy_its_header_marks_the_request_secure(world, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert Client().get("/", headers={"x-forwarded-proto": "https"}).status_code == 200
    assert Client().get("/", headers={"x-forwarded-proto": "http"}).status_code == 301


def test_session_and_csrf_cookies_are_secure_and_the_session_cookie_http_only(world):
    client = Client()
    login = reverse("staff:login")
    csrf = client.get(login).cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    response = client.post(login, {"username": "coordinator", "password": "x"})
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


def test_security_txt_names_the_configured_contact(client, settings):
    settings.SECURITY_CONTACT = "mailto:security@aduan.example.go.id"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "Contact: mailto:security@aduan.example.go.id"
    assert lines[1].startswith("Expires: ") and lines[1].endswith("Z")
