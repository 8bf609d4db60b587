"""Form widgets are rendered by Django's Jinja2 templates (config.forms.FormRenderer); every
page with a form must come out as Django's own template engine writes it (whitespace
between tags aside), bound or not, with errors or without, in the admin (which only the
template engine has templates for)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from config.forms import FormRenderer
from tests.conftest import MONDAY_9_WIB
from workflow.states import State

SOON = MONDAY_9_WIB + dt.timedelta(hours=1)
TEMPLATE_ENGINE = "django.forms.renderers.DjangoTemplates"


def comparable(html: str) -> str:
    """The page with its CSRF tokens (masked anew for every page) taken out, whitespace
    between tags ignored (Jinja2's widget templates leave no blank lines between options)
    and quotes escaped as Django writes them (MarkupSafe writes &#39; and &#34;)."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=|"csrfToken": )"[^"]+"', "", html)
    html = html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
    return re.sub(r">\s+<", "><", re.sub(r"[ \t\r\n]+", " ", html))


def both(fetch: Callable[[], object]) -> tuple[str, str]:
    with time_machine.travel(SOON, tick=False):
        ours = fetch()
        with override_settings(FORM_RENDERER=TEMPLATE_ENGINE):
            theirs = fetch()
    assert ours.status_code == theirs.status_code
    return comparable(ours.content.decode()), comparable(theirs.content.decode())


def signed_in(world, persona: str, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(getattr(world, persona))
    return client


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("state", [State.RECEIVED, State.ASSIGNED, State.RESPONDED])
def test_staff_pages_are_the_template_engines(world, complaint_in, language, state):
    complaint = complaint_in(state)
    detail = reverse("staff:detail", args=[complaint.tracking_number])
    for persona in ("coordinator", "officer", "supervisor"):
        client = signed_in(world, persona, language)
        for fetch in (
            lambda: client.get(reverse("staff:queue"), {"tab": "all"}),
            lambda: client.get(reverse("staff:queue"), {"tab": "all", "state": "lost",
                                                        "received_after": "never"}),
            lambda: client.get(detail),
            lambda: client.get(reverse("staff:intake")),
            lambda: client.post(reverse("staff:intake"), {"title": ""}),
            lambda: client.post(reverse("staff:act", args=[complaint.tracking_number,
                                                           "assign"]), {"unit": "nope"}),
        ):
            ours, theirs = both(fetch)
            assert ours == theirs


@pytest.mark.parametrize("language", ["en", "id"])
def test_citizen_pages_are_the_template_engines(world, language):
    client = Client(headers={"accept-language": language})
    submit = reverse("citizen:submit")
    for fetch in (lambda: client.get(submit), lambda: client.get(submit, {"service": "ktp-el"}),
                  lambda: client.post(submit, {"service": "ktp-el", "title": "",
                                               "latitude": "north"}),
                  lambda: client.get(reverse("citizen:track_lookup")),
                  lambda: client.post(reverse("citizen:track_lookup"), {"tracking_number": "x"}),
                  lambda: client.get(reverse("staff:login")),
                  lambda: client.post(reverse("staff:login"), {"username": "nobody"})):
        ours, theirs = both(fetch)
        assert ours == theirs
        assert "<form" in ours


def test_the_admin_falls_back_to_the_template_engine(world, complaint_in):
    client = signed_in(world, "administrator")
    for url in ("/admin/auth/group/add/", "/admin/auth/user/add/",
                f"/admin/auth/user/{world.officer.pk}/change/"):
        ours, theirs = both(lambda: client.get(url))
        assert ours == theirs and 'name="_save"' in ours


def test_django_widgets_come_from_jinja2():
    renderer = FormRenderer()
    assert type(renderer.get_template("django/forms/widgets/select.html")).__module__ == \
        "django.template.backends.jinja2"
    assert type(renderer.get_template("admin/widgets/foreign_key_raw_id.html")).__module__ == \
        "django.template.backends.django"
