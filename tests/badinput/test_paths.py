"""Path parameters: tracking numbers and actions that are not one, with NUL, traversal,
markup, SQL and sheer length. Each is a 404 in the error shape (401 with no credentials at
all), on SQLite and on PostgreSQL, which refuses NUL in a query outright."""

from __future__ import annotations

from urllib.parse import quote

from tests.badinput.conftest import assert_error

# A path that no longer matches a route once decoded (`..%2F`) gets Django's own 404 page,
# not the API's: see docs/fuzzing.md.
NUMBERS = ["%00", "P388T%00", "%2e%2e", "'%20OR%20'1'%3D'1", "%3Cscript%3E", "A" * 5000,
           "%F0%9F%98%80", "%ff", "P388T-3VDNC", "-", "%20"]
ENDPOINTS = ["{n}/", "{n}/events/", "{n}/events/verify/", "{n}/reporter/"]


def test_unknown_tracking_numbers_are_404(stored, as_persona, api):
    ombudsman = as_persona("ombudsman")
    with stored.unchanged():
        for number in NUMBERS:
            for endpoint in ENDPOINTS:
                url = "/api/v1/complaints/" + endpoint.format(n=number)
                assert_error(ombudsman.get(url), 404, "not_found")
            citizen = api.get(f"/api/v1/complaints/{number}/",
                              HTTP_X_ACCESS_TOKEN=stored.access_token)
            assert_error(citizen, 404, "not_found")
            act = ombudsman.post(f"/api/v1/complaints/{number}/transitions/withdraw/", {},
                                 format="json")
            assert_error(act, 404, "not_found")


def test_unknown_actions_are_404(stored, as_persona):
    officer = as_persona("officer")
    with stored.unchanged():
        for action in ["%00", "respond%00", "RESPOND", "respond;drop",
                       quote("<b onclick=x>", safe=""), "x" * 5000, "__init__", "submit"]:
            response = officer.post(
                f"/api/v1/complaints/{stored.number}/transitions/{action}/",
                {"response": "Sudah."}, format="json")
            assert_error(response, 404, "not_found")


def test_without_credentials_it_is_401_whatever_the_number(stored, api):
    with stored.unchanged():
        for number in ["%00", "A" * 5000, stored.number]:
            assert_error(api.get(f"/api/v1/complaints/{number}/"), 401, "not_authenticated")


def test_staff_may_type_the_number_as_citizens_do(stored, as_persona):
    # Normalised like the citizen's lookup: lower case, spaces, no dash.
    typed = stored.number.lower().replace("-", " ")
    response = as_persona("coordinator").get(f"/api/v1/complaints/{typed}/")
    assert response.status_code == 200
    assert response.json()["tracking_number"] == stored.number

