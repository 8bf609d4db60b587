"""The reporter's identity reaches only those who may see it, and every staff view of it is
on record (docs/decisions.md, "Identity and privacy"; docs/security.md).

- The REST API × every persona × the complaints of the world: lists, details, audit
  trails and the one identity endpoint — the exact status, the identity only from
  `reporter/` and only for the roles `may_view_identity` allows, each staff view an
  `identity_viewed` event with the viewer and their role.
- Error answers (400/401/403/404/409) on anonymous and confidential complaints carry a code
  and no identity.
- Notification e-mail, delivered as the worker delivers it: to the reporter, and to staff
  who may read the complaint, never with an identity in it.
- The Django admin: the identity only on the reporter's own page, through the same rule.
The pages, the exports and Open311 are swept in the other modules of this folder.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from tests.security.conftest import (
    MAY_SEE_IDENTITY,
    OBJECTS,
    PERSONAS,
    ROLE_OF,
    SOON,
    STAFF,
    VISIBLE,
    Town,
    api_client,
    browser,
    contents_in,
    events_of,
    holds,
    identities_in,
    identity_keys_in,
    identity_of,
)
from workflow.delivery import deliver_pending
from workflow.permissions import Actor
from workflow.services import complaint_transition
from workflow.states import Action, Role
from workflow.sweeper import sweep

pytestmark = pytest.mark.usefixtures("matrix")

API = "/api/v1/complaints/"


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


# --- the REST API -----------------------------------------------------------------------------

@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list(town, persona):
    response = api_client(town, persona, "named").get(API)

    if persona not in STAFF:
        assert response.status_code == 401
        assert error_code(response) == "not_authenticated"
    else:
        assert response.status_code == 200
        numbers = {r["tracking_number"] for r in response.json()["results"]}
        assert numbers == {town.number(k) for k in VISIBLE[persona]}
        assert contents_in(response.content) == VISIBLE[persona]
    assert not identities_in(response.content)


def read_status(persona: str, key: str) -> int:
    """What reading complaint `key` answers: 401 without credentials, 404 outside the
    scope or with the wrong code, 200 otherwise."""
    if persona in STAFF:
        return 200 if key in VISIBLE[persona] else 404
    if persona == "anonymous":
        return 401
    return 200 if holds(persona, key) else 404


def trail_status(persona: str, key: str) -> int:
    # The audit trail is for staff: a citizen's access code is no credential for it.
    return read_status(persona, key) if persona in STAFF else 401


def reporter_status(persona: str, key: str) -> int:
    status = read_status(persona, key)
    if status == 200 and persona in STAFF and key not in MAY_SEE_IDENTITY[persona]:
        return 403
    return status


ENDPOINTS = {"detail": ("", read_status), "events": ("events/", trail_status),
             "verify": ("events/verify/", trail_status)}
READ_CASES = [(e, p, k) for e in ENDPOINTS for p in PERSONAS for k in OBJECTS]


@pytest.mark.parametrize(("endpoint", "persona", "key"), READ_CASES,
                         ids=[f"{e}-{p}-{k}" for e, p, k in READ_CASES])
def test_api_read(town, endpoint, persona, key):
    suffix, status_of = ENDPOINTS[endpoint]
    response = api_client(town, persona, key).get(f"{API}{town.number(key)}/{suffix}")

    expected = status_of(persona, key)
    assert response.status_code == expected
    if expected != 200:
        assert error_code(response) == {401: "not_authenticated", 404: "not_found"}[expected]
        assert contents_in(response.content) == set()
    elif endpoint == "detail":
        assert contents_in(response.content) == {key}
    elif endpoint == "events":
        # The trail names who viewed an identity, never what they saw.
        actions = [e["action"] for e in response.json()]
        assert ("identity_viewed" in actions) == (key == "confidential")
    assert not identities_in(response.content)


REPORTER_CASES = [(p, k) for p in PERSONAS for k in OBJECTS]


@pytest.mark.parametrize(("persona", "key"), REPORTER_CASES,
                         ids=[f"{p}-{k}" for p, k in REPORTER_CASES])
def test_api_reporter(town, persona, key):
    """`reporter/`: the identity for the roles that may see it — each staff view an
    `identity_viewed` event of that complaint with the viewer and role, which the chain
    still verifies; the citizen's own look is not a disclosure and is not logged. Every
    refusal: a code, nothing written."""
    before = events_of(town, key)
    client = api_client(town, persona, key)

    response = client.get(f"{API}{town.number(key)}/reporter/")

    expected = reporter_status(persona, key)
    assert response.status_code == expected
    after = events_of(town, key)
    if expected == 200:
        person = identity_of(key)
        assert response.json() == {f: person[f] for f in (
            "name", "email", "phone", "id_number", "address", "consent_to_share")}
        assert identity_keys_in(response.content) == {key}
        if persona in STAFF:
            assert after == [*before, ("identity_viewed", persona, ROLE_OF[persona])]
            verified = client.get(f"{API}{town.number(key)}/events/verify/")
            assert verified.status_code == 200 and verified.json()["ok"] is True
            return
    else:
        assert error_code(response) == {401: "not_authenticated", 403: "not_permitted",
                                        404: "not_found"}[expected]
        assert not identities_in(response.content)
    assert after == before


SEARCHES = ("Zarkovna", "Qwyn", "qwyn.anonymous@zarkovna.example", "081200029377",
            "3174000000000002")


@pytest.mark.parametrize("words", SEARCHES)
@pytest.mark.parametrize("persona", STAFF)
def test_api_search_is_no_oracle(town, persona, words):
    """The text filter reads the title and the description only, so no one can learn
    whether a complaint's reporter is a given person by searching for them."""
    response = api_client(town, persona).get(API, {"q": words})

    assert response.status_code == 200
    assert response.json()["results"] == []


# --- error answers ------------------------------------------------------------------------------

def transition(action: str, payload: dict[str, Any] | None = None):
    def send(client: Any, number: str) -> Any:
        return client.post(f"{API}{number}/transitions/{action}/", payload or {}, format="json")
    return send


def read(suffix: str, **query: str):
    def send(client: Any, number: str) -> Any:
        return client.get(f"{API}{number}/{suffix}", query)
    return send


# (persona, what they send) → (status, code); each on every anonymous and confidential
# complaint the persona can reach, and on one they cannot.
API_ERRORS = [
    ("officer", "respond with no response", transition("respond"), 400, "invalid_input"),
    ("officer", "respond with a bad type", transition("respond", {"response": ["x"]}),
     400, "invalid_input"),
    ("officer", "assign", transition("assign", {"unit": "disdukcapil-ktp"}), 403,
     "not_permitted"),
    ("coordinator", "assign again", transition("assign", {"unit": "disdukcapil-ktp"}), 409,
     "transition_not_allowed"),
    ("coordinator", "reassign to a stranger",
     transition("reassign", {"unit": "disdukcapil-ktp", "assignee": "outside_officer"}), 400,
     "invalid_input"),
    ("supervisor", "an unknown action", transition("nope"), 404, "not_found"),
    ("ombudsman", "respond", transition("respond", {"response": "x"}), 403, "not_permitted"),
    ("administrator", "request_info", transition("request_info", {"message": "x"}), 403,
     "not_permitted"),
    ("citizen", "accept before any answer", transition("accept", {"rating": 5}), 409,
     "transition_not_allowed"),
    ("citizen", "respond", transition("respond", {"response": "x"}), 403, "not_permitted"),
    ("citizen", "the audit trail", read("events/"), 401, "not_authenticated"),
    ("wrong_citizen", "withdraw", transition("withdraw", {}), 404, "not_found"),
    ("anonymous", "withdraw", transition("withdraw", {}), 401, "not_authenticated"),
]
PRIVATE = ("anonymous", "confidential", "other_anonymous", "other_confidential")
ERROR_CASES = [(p, name, send, status, code, key)
               for p, name, send, status, code in API_ERRORS for key in PRIVATE]


@pytest.mark.parametrize(("persona", "name", "send", "status", "code", "key"), ERROR_CASES,
                         ids=[f"{p}-{n}-{k}" for p, n, _s, _st, _c, k in ERROR_CASES])
def test_api_errors(town, persona, name, send, status, code, key):
    before = events_of(town, key)

    response = send(api_client(town, persona, key), town.number(key))

    if persona in STAFF and key not in VISIBLE[persona]:
        status, code = 404, "not_found"  # outside the scope, whatever was asked
    assert (response.status_code, error_code(response)) == (status, code)
    assert not identities_in(response.content)
    assert events_of(town, key) == before


# The staff and citizen pages' refusals, on the unit's anonymous and confidential complaints.
PAGE_ERRORS = [
    ("officer", "staff:act", "respond", {"response": ""}, 400),
    ("officer", "staff:act", "assign", {"unit": "1"}, 403),
    ("coordinator", "staff:act", "assign", {"unit": "1"}, 409),
    ("coordinator", "staff:act", "reassign", {"unit": "999", "assignee": ""}, 400),
    ("outside_officer", "staff:act", "respond", {"response": "x"}, 404),
    ("outside_officer", "staff:identity", None, {}, 404),
    ("ombudsman", "staff:act", "respond", {"response": "x"}, 403),
    ("citizen", "citizen:act", "accept", {"accept-rating": "5"}, 409),
    ("citizen", "citizen:act", "dispute", {}, 400),
    ("wrong_citizen", "citizen:act", "withdraw", {"withdraw-confirm": "on"}, 404),
]
PAGE_ERROR_CASES = [(*row, key) for row in PAGE_ERRORS for key in ("anonymous", "confidential")]


@pytest.mark.parametrize(("persona", "route", "action", "form", "status", "key"),
                         PAGE_ERROR_CASES,
                         ids=[f"{p}-{r}-{a}-{k}" for p, r, a, _f, _s, k in PAGE_ERROR_CASES])
def test_page_errors(town, persona, route, action, form, status, key):
    args = [town.number(key), action] if action else [town.number(key)]
    before = events_of(town, key)

    response = browser(town, persona, key).post(reverse(route, args=args), form)

    assert response.status_code == status
    assert not identities_in(response.content)
    assert events_of(town, key) == before


# --- who is told what ---------------------------------------------------------------------------

def mail_about(town: Town, message: Any) -> str:
    number = re.search(r"\[Aduan ([A-Z0-9]{5}-[A-Z0-9]{5})\]", message.subject)
    assert number, message.subject
    key = town.key_of(number[1])
    assert key is not None
    return key


def readers(town: Town, key: str) -> set[str]:
    """E-mail addresses of the staff who may read complaint `key` (Dishub's coordinator
    places the other agency's complaints and reads them)."""
    emails = {town.user(p).email for p in STAFF if key in VISIBLE[p]}
    if key.startswith("other_") or key == "stranger":
        emails.add("other_coordinator@example.go.id")
    return emails


def test_mail_goes_to_the_reporter_and_to_staff_in_scope_without_identity(town):
    """Everything the world has queued (receipts, assignments, requests, answers), a dispute
    and new information from citizens of anonymous and confidential complaints, and three
    weeks of the sweeper (reminders, warnings, breaches escalated to supervisors), delivered
    by the worker: each message goes to the complaint's reporter or to staff who may read
    it, and none sent to staff names a reporter."""
    w = town.world
    for key, action, payload in [
        ("anonymous", Action.RESPOND, {"response": "Sudah."}),
        ("confidential", Action.REQUEST_INFO, {"message": "Nomor?"}),
        ("other_anonymous", Action.RESPOND, {"response": "Sudah."}),
    ]:
        officer = w.officer if not key.startswith("other_") else w.outside_officer
        complaint_transition(complaint=town.complaints[key].pk, action=action,
                             actor=Actor.staff(officer), payload=payload, now=SOON)
    later = SOON + dt.timedelta(minutes=5)
    for key, action, payload in [
        ("anonymous", Action.DISPUTE, {"reason": "Belum."}),
        ("confidential", Action.PROVIDE_INFO, {"message": "Nomor 1."}),
        ("other_anonymous", Action.DISPUTE, {"reason": "Belum."}),
    ]:
        complaint = town.complaints[key]
        complaint_transition(complaint=complaint.pk, action=action,
                             actor=Actor.citizen(complaint), payload=payload, now=later)
    for days in (1, 3, 7, 14, 21):
        sweep(now=SOON + dt.timedelta(days=days))
    deliver_pending(now=SOON + dt.timedelta(days=22))

    to_staff: dict[str, set[str]] = {}
    for message in mail.outbox:
        key = mail_about(town, message)
        [recipient] = message.to
        text = f"{message.subject}\n{message.body}"
        if recipient == identity_of(key)["email"]:
            assert identity_keys_in(text) <= {key}  # the reporter's own, at most
            continue
        assert recipient in readers(town, key), (key, recipient, message.subject)
        assert not identities_in(text), (recipient, message.subject)
        to_staff.setdefault(key, set()).add(recipient)
    # The test can fail: staff were told about the private complaints, supervisors included.
    assert {"anonymous", "confidential", "other_anonymous", "other_confidential"} <= set(to_staff)
    assert w.supervisor.email in to_staff["anonymous"]
    assert any(m.to == [identity_of("anonymous")["email"]] for m in mail.outbox)


def test_identity_views_are_staff_history_not_the_citizens(town):
    """The ombudsman's view of the confidential complaint's reporter is in the staff
    timeline (with the viewer) and not in the citizen's, which tells only receipt and
    assignment."""
    number = town.number("confidential")
    staff_page = browser(town, "coordinator").get(reverse("staff:detail", args=[number]))
    citizen_page = browser(town, "citizen", "confidential").get(
        reverse("citizen:track", args=[number]))

    assert "identity_viewed" in [e[0] for e in events_of(town, "confidential")]
    assert "Reporter identity viewed" in staff_page.content.decode()
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', citizen_page.content.decode(),
                         re.S)
    assert timeline is not None
    assert timeline[1].count("<li>") == 2
    assert "ombudsman</" not in timeline[1]
    assert not identities_in(staff_page.content) and not identities_in(citizen_page.content)


# --- the Django admin (the administrator's pages) -----------------------------------------------

def admin_identity_in(body: bytes, key: str) -> list[str]:
    """The parts of reporter `key`'s identity in an admin page. The admin shows a citizen's
    notification address masked to its first letter and domain (workflow/admin.py), so the
    domain alone is not counted; everything else is."""
    text = body.decode()
    person = identity_of(key)
    return [person[f] for f in ("name", "email", "phone", "id_number", "address")
            if person[f] in text] + (["local part"] if f"qwyn.{key}@" in text else [])


def admin_rows(body: bytes, model: str) -> int:
    return len(set(re.findall(rf'href="/admin/{model}/(\d+)/change/', body.decode())))


def reporter_pk(town: Town, key: str) -> int:
    return town.complaints[key].reporter.pk


# (what, its url for complaint `key`, status for named / anonymous, identity shown, the
# visit recorded as an identity view). The reporter's history page shows no identity
# (a reporter's str() never names them) but goes through the same rule and is recorded
# all the same (complaints/admin.py).
ADMIN_PAGES = [
    ("complaint page", lambda t, k: f"/admin/complaints/complaint/{t.complaints[k].pk}/change/",
     (200, 200), False, False),
    ("reporter page", lambda t, k: f"/admin/complaints/reporter/{reporter_pk(t, k)}/change/",
     (200, 403), True, True),
    ("reporter history", lambda t, k: f"/admin/complaints/reporter/{reporter_pk(t, k)}/history/",
     (200, 403), False, True),
    ("reporter list", lambda t, k: "/admin/complaints/reporter/", (200, 200), False, False),
    ("notification list", lambda t, k: f"/admin/workflow/notification/?q={t.number(k)}",
     (200, 200), False, False),
    ("event list", lambda t, k: f"/admin/workflow/event/?q={t.number(k)}", (200, 200), False,
     False),
]
ADMIN_CASES = [(what, url, statuses[i], shown, logged, k)
               for what, url, statuses, shown, logged in ADMIN_PAGES
               for i, k in enumerate(("named", "anonymous"))]


@pytest.mark.parametrize(("what", "url", "status", "shown", "logged", "key"), ADMIN_CASES,
                         ids=[f"{w}-{k}" for w, _u, _s, _sh, _l, k in ADMIN_CASES])
def test_admin_pages(town, what, url, status, shown, logged, key):
    """The administrator's pages show a reporter's identity only on the reporter's own page,
    through the one rule — never for an anonymous complaint — and each showing is an
    `identity_viewed` event."""
    before = events_of(town, key)

    response = browser(town, "administrator").get(url(town, key))

    assert response.status_code == status
    everything = [*(identity_of(key)[f] for f in ("name", "email", "phone", "id_number",
                                                   "address")), "local part"]
    assert admin_identity_in(response.content, key) == (
        everything if shown and status == 200 else [])
    viewed = [("identity_viewed", "administrator", Role.ADMINISTRATOR)]
    assert events_of(town, key) == before + (viewed if logged and status == 200 else [])


@pytest.mark.parametrize("persona", [p for p in STAFF if p != "administrator"])
def test_admin_is_for_the_administrator(town, persona):
    url = f"/admin/complaints/reporter/{town.complaints['named'].reporter.pk}/change/"

    response = browser(town, persona).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


ADMIN_SEARCHES = [
    ("reporter", "/admin/complaints/reporter/", "Zarkovna Qwyn anonymous"),
    ("complaint", "/admin/complaints/complaint/", "Zarkovna Qwyn anonymous"),
    ("complaint", "/admin/complaints/complaint/", "qwyn.anonymous@zarkovna.example"),
    ("event", "/admin/workflow/event/", "Zarkovna"),
]


@pytest.mark.parametrize(("model", "url", "words"), ADMIN_SEARCHES,
                         ids=[f"{m}-{w}" for m, _u, w in ADMIN_SEARCHES])
def test_admin_search_is_no_oracle(town, model, url, words):
    """Searching the admin for a person finds nothing: the reporter is searchable only by
    tracking number, so whether someone complained stays behind the audited rule."""
    response = browser(town, "administrator").get(url, {"q": words})

    assert response.status_code == 200
    app = "workflow" if model == "event" else "complaints"
    assert admin_rows(response.content, f"{app}/{model}") == 0


def test_admin_notification_search_is_no_oracle(town):
    response = browser(town, "administrator").get(
        "/admin/workflow/notification/", {"q": identity_of("anonymous")["email"]})

    assert response.status_code == 200
    assert admin_rows(response.content, "workflow/notification") == 0


def test_admin_notification_search_still_finds_a_staff_address(town):
    from workflow.models import Notification

    staff = (Notification.objects.exclude(recipient_role="citizen")
             .values_list("recipient", flat=True).first())
    assert staff, "the shared world sends staff some notices"
    response = browser(town, "administrator").get("/admin/workflow/notification/",
                                                 {"q": staff.upper()})
    assert admin_rows(response.content, "workflow/notification") == \
        Notification.objects.filter(recipient=staff).count() > 0
