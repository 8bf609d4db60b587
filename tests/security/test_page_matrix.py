"""Who gets which page: every staff and citizen page × every persona × the complaints of the
world (tests/security/conftest.py) — the exact status, where a redirect goes, which
complaints' words are on the page, and that no reporter's identity is on any of them.

Staff pages (docs/security.md, "404 before 403"): signed out → the sign-in page; outside the
scope → 404; inside it, an action the role may never take → 403, one not possible now → 409.
Citizen pages (docs/pages.md): access lives in the session; without it a complaint's pages
show the lookup form and nothing of the complaint, and its actions are 404.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from complaints.models import Complaint
from tests.security.conftest import (
    KEYS,
    MAY_SEE_IDENTITY,
    OBJECTS,
    PERSONAS,
    ROLE_OF,
    SIGNED_OUT,
    STAFF,
    UNIT,
    VISIBLE,
    Town,
    browser,
    contents_in,
    events_of,
    holds,
    identities_in,
    identity_keys_in,
    private_link,
    shows_identity_of,
)
from workflow.states import Action, Role

pytestmark = pytest.mark.usefixtures("matrix")

LOGIN = reverse("staff:login")
QUEUE = reverse("staff:queue")


def listed(body: bytes, town: Town) -> set[str]:
    """The complaints in a queue's table."""
    numbers = re.findall(r'<th scope="row"><a href="/staff/complaints/([A-Z0-9-]+)/">',
                         body.decode())
    return {town.key_of(n) or n for n in numbers}


def assert_to_sign_in(response: Any, path: str) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"{LOGIN}?next={path}"


def assert_no_identity(response: Any) -> None:
    found = identities_in(response.content)
    assert not found, f"reporter identity in the page: {found}"


# --- staff pages without a complaint ---------------------------------------------------------

TABS = ("new", "mine", "unit", "risk", "all")
# (persona, tab) → the complaints listed. A tab the persona does not have shows their first
# tab. At SOON no deadline is at risk yet, so the supervisor's "risk" tab is empty.
QUEUES: dict[str, dict[str, set[str]]] = {
    "coordinator": {"new": {"fresh"}, "mine": {"fresh"}, "unit": {"fresh"}, "risk": {"fresh"},
                    "all": set(UNIT | {"fresh"})},
    "officer": {"new": set(UNIT), "mine": set(UNIT), "unit": set(), "risk": set(UNIT),
                "all": set(UNIT)},
    "outside_officer": {"new": {"other_named", "other_anonymous", "other_confidential"},
                        "mine": {"other_named", "other_anonymous", "other_confidential"},
                        "unit": set(),
                        "risk": {"other_named", "other_anonymous", "other_confidential"},
                        "all": {"other_named", "other_anonymous", "other_confidential"}},
    "supervisor": {"new": set(), "mine": set(), "unit": set(), "risk": set(),
                   "all": set(UNIT)},
    "ombudsman": dict.fromkeys(TABS, set(KEYS)),
    "administrator": dict.fromkeys(TABS, set(KEYS)),
}
QUEUE_CASES = [(p, t) for p in PERSONAS for t in TABS]


@pytest.mark.parametrize(("persona", "tab"), QUEUE_CASES,
                         ids=[f"{p}-{t}" for p, t in QUEUE_CASES])
def test_queue(town, persona, tab):
    response = browser(town, persona, "named").get(QUEUE, {"tab": tab})

    if persona in SIGNED_OUT:
        assert_to_sign_in(response, f"{QUEUE}%3Ftab%3D{tab}")
        return
    assert response.status_code == 200
    expected = QUEUES[persona][tab]
    assert listed(response.content, town) == expected
    assert contents_in(response.content) <= expected
    assert_no_identity(response)


# page → status per persona, in PERSONAS order ("login": 302 to the sign-in page).
STAFF_PAGES = {
    #                   anon     citizen  wrong    officer outside coord superv ombuds admin
    "dashboard":       ["login", "login", "login", 200,    200,    200,  200,   200,   200],
    "intake":          ["login", "login", "login", 200,    200,    200,  403,   403,   403],
}
STAFF_PAGE_CASES = [(page, p, s) for page, row in STAFF_PAGES.items()
                    for p, s in zip(PERSONAS, row, strict=True)]


@pytest.mark.parametrize(("page", "persona", "expected"), STAFF_PAGE_CASES,
                         ids=[f"{page}-{p}" for page, p, _s in STAFF_PAGE_CASES])
def test_staff_page(town, page, persona, expected):
    path = reverse(f"staff:{page}")
    response = browser(town, persona, "named").get(path)

    if expected == "login":
        assert_to_sign_in(response, path)
        return
    assert response.status_code == expected
    assert contents_in(response.content) == set()
    assert_no_identity(response)


def intake_form(town: Town, persona: str) -> dict[str, Any]:
    service = town.world.other_service if persona == "outside_officer" else town.world.service
    return {"service": service.pk, "channel": "phone", "received_at": "2026-02-02T09:30",
            "title": "Lewat telepon", "description": "Antrean panjang.", "visibility": "public",
            "reporter_name": "Zarkovna Qwyn intake", "reporter_phone": "0812 0000 0000"}


INTAKE_POST = ["login", "login", "login", "recorded", "recorded", "recorded", 403, 403, 403]


@pytest.mark.parametrize(("persona", "expected"), list(zip(PERSONAS, INTAKE_POST, strict=True)),
                         ids=PERSONAS)
def test_intake_post(town, persona, expected):
    path = reverse("staff:intake")
    before = Complaint.objects.count()

    response = browser(town, persona, "named").post(path, intake_form(town, persona))

    if expected == "login":
        assert_to_sign_in(response, path)
    elif expected == "recorded":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{path}?recorded=")
        assert Complaint.objects.count() == before + 1
        return
    else:
        assert response.status_code == expected
        assert_no_identity(response)
    assert Complaint.objects.count() == before


def test_intake_only_for_the_recorders_own_agency(town):
    """An officer cannot record a complaint for another agency's service."""
    form = intake_form(town, "officer")  # Disdukcapil's service
    before = Complaint.objects.count()

    response = browser(town, "outside_officer").post(reverse("staff:intake"), form)

    assert response.status_code == 400
    assert Complaint.objects.count() == before


# --- one complaint on the staff pages -----------------------------------------------------------

def staff_status(persona: str, key: str) -> Any:
    if persona in SIGNED_OUT:
        return "login"
    return 200 if key in VISIBLE[persona] else 404


DETAIL_CASES = [(p, k) for p in PERSONAS for k in OBJECTS]


@pytest.mark.parametrize(("persona", "key"), DETAIL_CASES,
                         ids=[f"{p}-{k}" for p, k in DETAIL_CASES])
def test_detail(town, persona, key):
    path = reverse("staff:detail", args=[town.number(key)])
    response = browser(town, persona, key).get(path)

    expected = staff_status(persona, key)
    if expected == "login":
        assert_to_sign_in(response, path)
        return
    assert response.status_code == expected
    # The complaint's own words when it is in scope, nobody else's; never an identity.
    assert contents_in(response.content) == ({key} if expected == 200 else set())
    assert_no_identity(response)


MAY_RECORD = ("officer", "outside_officer", "coordinator")


@pytest.mark.parametrize(("persona", "key"), DETAIL_CASES,
                         ids=[f"{p}-{k}" for p, k in DETAIL_CASES])
def test_intake_result(town, persona, key):
    """The page after recording a complaint, asked for another complaint's number: the
    complaint only within the scope, and never its access code (shown once, to whoever
    recorded it, from their session)."""
    path = reverse("staff:intake")
    response = browser(town, persona, key).get(path, {"recorded": town.number(key)})

    expected = staff_status(persona, key)
    if expected == "login":
        assert_to_sign_in(response, f"{path}%3Frecorded%3D{town.number(key)}")
        return
    if persona not in MAY_RECORD:
        expected = 403
    assert response.status_code == expected
    assert town.tokens[key] not in response.content.decode()
    assert contents_in(response.content) <= {key}
    assert_no_identity(response)


def identity_status(persona: str, key: str) -> Any:
    expected = staff_status(persona, key)
    if expected == 200 and key not in MAY_SEE_IDENTITY[persona]:
        return 403
    return expected


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("persona", "key"), DETAIL_CASES,
                         ids=[f"{p}-{k}" for p, k in DETAIL_CASES])
def test_identity_page(town, persona, key, method):
    """GET only asks; a POST by a role that may see it shows the identity and records one
    `identity_viewed` event with the viewer and their role. Nothing else shows it, and a
    refusal records nothing."""
    path = reverse("staff:identity", args=[town.number(key)])
    before = events_of(town, key)

    response = getattr(browser(town, persona, key), method)(path)

    expected = identity_status(persona, key)
    after = events_of(town, key)
    if expected == "login":
        assert_to_sign_in(response, path)
        assert after == before
        return
    assert response.status_code == expected
    if method == "post" and expected == 200:
        assert shows_identity_of(response.content, key)
        assert identity_keys_in(response.content) == {key}
        assert after == [*before, ("identity_viewed", persona, ROLE_OF[persona])]
    else:
        assert_no_identity(response)
        assert after == before


# --- the workflow's forms on the staff pages ------------------------------------------------------

def action_form(town: Town, action: str) -> dict[str, Any]:
    """A valid form for `action`, as the complaint page would post it."""
    w = town.world
    return {
        Action.ASSIGN: {"unit": w.unit.pk, "assignee": w.officer.pk, "complexity": "normatif"},
        Action.REASSIGN: {"unit": w.unit.pk, "assignee": w.second_officer.pk},
        Action.REQUEST_INFO: {"message": "Mohon kirim nomor registrasi."},
        Action.EXTEND: {"clock": "first_response", "amount": 1, "reason": "Menunggu pusat."},
        Action.RESPOND: {"response": "KTP-el sudah dicetak."},
        Action.REJECT: {"reason": "spam"},
        Action.REFER: {"agency_name": "Kantor Imigrasi"},
    }.get(action, {"message": "?"})


L, D = "login", "done"  # 302 to the sign-in page; 302 back to the complaint, action taken
# (complaint, action) → status per persona, in PERSONAS order.
STAFF_ACTIONS = {
    #                              anon citz wrong officer outside coord superv ombuds admin
    ("named", "assign"):           [L,  L,   L,    403,    404,    409,  403,   403,   403],
    ("named", "reassign"):         [L,  L,   L,    403,    404,    D,    D,     403,   403],
    ("named", "request_info"):     [L,  L,   L,    D,      404,    403,  403,   403,   403],
    ("named", "extend"):           [L,  L,   L,    403,    404,    403,  D,     403,   403],
    ("named", "respond"):          [L,  L,   L,    D,      404,    403,  403,   403,   403],
    ("named", "reject"):           [L,  L,   L,    403,    404,    409,  403,   403,   403],
    ("named", "refer"):            [L,  L,   L,    403,    404,    409,  403,   403,   403],
    ("named", "no_such_action"):   [L,  L,   L,    404,    404,    404,  404,   404,   404],
    ("fresh", "assign"):           [L,  L,   L,    404,    404,    D,    404,   403,   403],
    ("fresh", "reassign"):         [L,  L,   L,    404,    404,    409,  404,   403,   403],
    ("fresh", "request_info"):     [L,  L,   L,    404,    404,    403,  404,   403,   403],
    ("fresh", "extend"):           [L,  L,   L,    404,    404,    403,  404,   403,   403],
    ("fresh", "respond"):          [L,  L,   L,    404,    404,    403,  404,   403,   403],
    ("fresh", "reject"):           [L,  L,   L,    404,    404,    D,    404,   403,   403],
    ("fresh", "refer"):            [L,  L,   L,    404,    404,    D,    404,   403,   403],
    ("other_named", "assign"):     [L,  L,   L,    404,    403,    404,  404,   403,   403],
    ("other_named", "reassign"):   [L,  L,   L,    404,    403,    404,  404,   403,   403],
    ("other_named", "request_info"): [L, L,  L,    404,    D,      404,  404,   403,   403],
    ("other_named", "extend"):     [L,  L,   L,    404,    403,    404,  404,   403,   403],
    ("other_named", "respond"):    [L,  L,   L,    404,    D,      404,  404,   403,   403],
    ("other_named", "reject"):     [L,  L,   L,    404,    403,    404,  404,   403,   403],
    ("other_named", "refer"):      [L,  L,   L,    404,    403,    404,  404,   403,   403],
    ("anonymous", "respond"):      [L,  L,   L,    D,      404,    403,  403,   403,   403],
    ("confidential", "respond"):   [L,  L,   L,    D,      404,    403,  403,   403,   403],
    ("other_anonymous", "respond"): [L, L,   L,    404,    D,      404,  404,   403,   403],
}
ACTION_CASES = [(key, action, p, s) for (key, action), row in STAFF_ACTIONS.items()
                for p, s in zip(PERSONAS, row, strict=True)]


@pytest.mark.parametrize(("key", "action", "persona", "expected"), ACTION_CASES,
                         ids=[f"{k}-{a}-{p}" for k, a, p, _s in ACTION_CASES])
def test_staff_action(town, key, action, persona, expected):
    number = town.number(key)
    path = reverse("staff:act", args=[number, action])
    before = events_of(town, key)

    response = browser(town, persona, key).post(path, action_form(town, action))

    after = events_of(town, key)
    if expected == L:
        assert_to_sign_in(response, path)
    elif expected == D:
        assert response.status_code == 302
        assert response["Location"] == reverse("staff:detail", args=[number])
        assert after[len(before):] == [(action, persona, ROLE_OF[persona])]
        return
    else:
        assert response.status_code == expected
        # A refusal shows the page as it is (in scope) or nothing at all (outside it).
        assert contents_in(response.content) == ({key} if expected in (403, 409) else set())
        assert_no_identity(response)
    assert after == before


# --- citizen pages without a complaint -----------------------------------------------------------

PUBLIC_PAGES = ("citizen:home", "citizen:submit", "citizen:track_lookup", "citizen:statistics")
PUBLIC_CASES = [(page, p) for page in PUBLIC_PAGES for p in PERSONAS]


@pytest.mark.parametrize(("page", "persona"), PUBLIC_CASES,
                         ids=[f"{page.split(':')[1]}-{p}" for page, p in PUBLIC_CASES])
def test_public_page(town, page, persona):
    response = browser(town, persona, "named").get(reverse(page))

    assert response.status_code == 200
    # Statistics count every complaint, confidential ones included, but list none.
    assert contents_in(response.content) == set()
    assert_no_identity(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_submit_then_confirmation(town, persona):
    """Anyone may submit; the confirmation (with the access code, once) is for the browser
    that submitted, and for nobody else."""
    client = browser(town, persona, "named")
    response = client.post(reverse("citizen:submit"), {
        "service": town.world.service.code, "title": "Xylofon new keluhan",
        "description": "Antrean KTP-el.", "visibility": "anonymous",
        "reporter_name": "Zarkovna Qwyn new", "reporter_email": "qwyn.new@zarkovna.example"})

    assert response.status_code == 302
    number = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert response["Location"] == reverse("citizen:submitted", args=[number])
    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert number in confirmation.content.decode()
    assert_no_identity(confirmation)
    # Another browser, signed in or not, is sent to the lookup form.
    stranger = browser(town, "ombudsman").get(response["Location"])
    assert stranger.status_code == 302
    assert stranger["Location"] == reverse("citizen:track", args=[number])


# --- one complaint on the citizen pages ---------------------------------------------------------

CITIZEN_CASES = [(p, k) for p in PERSONAS for k in OBJECTS]


@pytest.mark.parametrize("page", ["track", "proof"])
@pytest.mark.parametrize(("persona", "key"), CITIZEN_CASES,
                         ids=[f"{p}-{k}" for p, k in CITIZEN_CASES])
def test_track_and_proof(town, page, persona, key):
    """Only the session that opened the complaint with its number and code sees it: not
    the wrong citizen, not staff (whatever their role), not the ombudsman."""
    response = browser(town, persona, key).get(
        reverse(f"citizen:{page}", args=[town.number(key)]))

    # Without access: the lookup form (200), the same page as for a number that does not
    # exist.
    assert response.status_code == 200
    assert contents_in(response.content) == ({key} if holds(persona, key) else set())
    if not holds(persona, key):
        assert 'name="access_code"' in response.content.decode()
    assert_no_identity(response)


@pytest.mark.parametrize(("persona", "key"), CITIZEN_CASES,
                         ids=[f"{p}-{k}" for p, k in CITIZEN_CASES])
def test_confirmation_page(town, persona, key):
    """The confirmation of a complaint submitted earlier: its code was shown once, so even
    its own citizen sees no code now; everyone else goes to the lookup form."""
    number = town.number(key)
    response = browser(town, persona, key).get(reverse("citizen:submitted", args=[number]))

    if holds(persona, key):
        assert response.status_code == 200
        assert town.tokens[key] not in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("citizen:track", args=[number])
    assert contents_in(response.content) == set()
    assert_no_identity(response)


CODES = ("right", "wrong", "another_complaints")
LINK_CASES = [(k, c) for k in OBJECTS for c in CODES]


def code_for(town: Town, key: str, which: str) -> str:
    other = "stranger" if key != "stranger" else "named"
    return {"right": town.tokens[key], "wrong": town.tokens[key][::-1],
            "another_complaints": town.tokens[other]}[which]


@pytest.mark.parametrize(("key", "code"), LINK_CASES, ids=[f"{k}-{c}" for k, c in LINK_CASES])
def test_private_link(town, key, code):
    client = browser(town, "anonymous")
    number = town.number(key)

    response = client.get(private_link(town, key, code_for(town, key, code)))

    if code == "right":
        assert response.status_code == 302
        assert response["Location"] == reverse("citizen:track", args=[number])
        assert contents_in(client.get(response["Location"]).content) == {key}
    else:
        assert response.status_code == 404
        assert contents_in(response.content) == set()
        assert contents_in(client.get(reverse("citizen:track", args=[number])).content) == set()
    assert_no_identity(response)


@pytest.mark.parametrize(("key", "code"), LINK_CASES, ids=[f"{k}-{c}" for k, c in LINK_CASES])
def test_lookup(town, key, code):
    client = browser(town, "anonymous")
    number = town.number(key)

    response = client.post(reverse("citizen:track_lookup"), {
        "tracking_number": number, "access_code": code_for(town, key, code)})

    if code == "right":
        assert response.status_code == 302
        assert response["Location"] == reverse("citizen:track", args=[number])
    else:
        assert response.status_code == 400
        assert contents_in(response.content) == set()
    assert_no_identity(response)


def citizen_form(action: str) -> dict[str, str]:
    return {
        "provide_info": {"provide_info-message": "Nomor registrasi 12345."},
        "accept": {"accept-rating": "5", "accept-comment": "Terima kasih."},
        "dispute": {"dispute-reason": "Belum bisa diambil."},
        "withdraw": {"withdraw-reason": "Sudah selesai.", "withdraw-confirm": "on"},
    }.get(action, {})


# (complaint, action) → what the citizen holding it gets ("done": 302 back to the track
# page); every other persona gets 404.
CITIZEN_ACTIONS = {
    ("named", "provide_info"): 409, ("named", "accept"): 409, ("named", "dispute"): 409,
    ("named", "withdraw"): "done", ("named", "respond"): 403,
    ("waiting", "provide_info"): "done", ("waiting", "accept"): 409,
    ("waiting", "dispute"): 409, ("waiting", "withdraw"): "done",
    ("responded", "provide_info"): 409, ("responded", "accept"): "done",
    ("responded", "dispute"): "done", ("responded", "withdraw"): 409,
    ("anonymous", "withdraw"): "done", ("confidential", "withdraw"): "done",
    ("other_confidential", "withdraw"): "done", ("fresh", "assign"): 403,
}
CITIZEN_ACTION_CASES = [(k, a, p) for (k, a) in CITIZEN_ACTIONS for p in PERSONAS]


@pytest.mark.parametrize(("key", "action", "persona"), CITIZEN_ACTION_CASES,
                         ids=[f"{k}-{a}-{p}" for k, a, p in CITIZEN_ACTION_CASES])
def test_citizen_action(town, key, action, persona):
    number = town.number(key)
    before = events_of(town, key)

    response = browser(town, persona, key).post(
        reverse("citizen:act", args=[number, action]), citizen_form(action))

    expected = CITIZEN_ACTIONS[key, action] if persona == "citizen" else 404
    after = events_of(town, key)
    if expected == "done":
        assert response.status_code == 302
        assert response["Location"] == reverse("citizen:track", args=[number])
        assert after[len(before):] == [(action, "citizen", Role.CITIZEN)]
        return
    assert response.status_code == expected
    assert contents_in(response.content) == ({key} if expected != 404 else set())
    assert_no_identity(response)
    assert after == before


SIGN_IN = ["form", "form", "form", "queue", "queue", "queue", "queue", "queue", "queue"]


@pytest.mark.parametrize(("persona", "expected"), list(zip(PERSONAS, SIGN_IN, strict=True)),
                         ids=PERSONAS)
def test_sign_in_and_out(town, persona, expected):
    client = browser(town, persona, "named")

    response = client.get(LOGIN)

    if expected == "form":
        assert response.status_code == 200
        assert 'name="password"' in response.content.decode()
    else:
        assert response.status_code == 302 and response["Location"] == QUEUE
    assert client.post(reverse("staff:logout")).status_code == 302
    assert_to_sign_in(client.get(QUEUE), QUEUE)


def test_the_matrix_covers_every_page():
    """Every route of the staff and citizen pages has a test above (so a new page cannot
    slip in untested)."""
    from complaints import urls_citizen, urls_staff

    covered = {"home", "submit", "submitted", "track_lookup", "track", "track_link", "proof",
               "act", "statistics", "login", "logout", "queue", "intake", "detail",
               "identity", "dashboard"}
    names = {p.name for p in [*urls_citizen.urlpatterns, *urls_staff.urlpatterns]}
    assert names <= covered, names - covered
    assert set(STAFF) | set(SIGNED_OUT) == set(PERSONAS)
