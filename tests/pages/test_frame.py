"""Every page's frame, the site's header and the staff navigation, is written once per
process for each language and person ({% frame %}, complaints/templatetags/aduan.py), with
the request's own CSRF token and path put in: each page's forms must still post, back to
that page, with a token of its own, and name whoever is signed in."""

from __future__ import annotations

import re
from html import unescape

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from complaints.templatetags import aduan


def forms_of(body: str) -> dict[str, dict[str, str]]:
    """Each form's hidden fields, by the form's action."""
    found = {}
    for action, inner in re.findall(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', body,
                                    re.S):
        found[unescape(action)] = {name: unescape(value) for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', inner)}
    return found


def test_the_language_form_posts_with_the_pages_own_token_back_to_the_page(db):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    path = reverse("citizen:track_lookup") + "?from=it's&x=1"
    first = client.get(path).content.decode()
    assert '<a href="/ajukan/">Submit a complaint</a>' in first
    assert 'name="next" value="/lacak/?from=it&#x27;s&amp;x=1"' in first  # escaped
    language = forms_of(first)[reverse("set_language")]
    assert language["next"] == path
    # Another page, another path: the kept header, not this page's.
    other = forms_of(client.get(reverse("citizen:home")).content.decode())
    assert other[reverse("set_language")]["next"] == reverse("citizen:home")
    assert other[reverse("set_language")]["csrfmiddlewaretoken"] != language[
        "csrfmiddlewaretoken"]
    refused = Client(enforce_csrf_checks=True).post(reverse("set_language"),
                                                     {**language, "language": "id"})
    assert refused.status_code == 403  # the token goes with its own browser's cookie
    switched = client.post(reverse("set_language"), {**language, "language": "id"})
    assert switched.status_code == 302 and switched["Location"] == path
    again = client.get(path, headers={"accept-language": ""}).content.decode()
    assert '<a href="/ajukan/">Ajukan pengaduan</a>' in again


def test_the_staff_navigation_names_whoever_is_signed_in_and_signs_them_out(world):
    officer = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    officer.force_login(world.officer)
    body = officer.get(reverse("staff:queue")).content.decode()
    assert "Log out (officer)" in body and "Record a complaint" in body
    assert '<li><a href="/staff/">Staff</a></li>' in body  # the header, signed in
    for persona in ("second_officer", "ombudsman"):
        colleague = Client(headers={"accept-language": "en"})
        colleague.force_login(getattr(world, persona))
        other = colleague.get(reverse("staff:queue")).content.decode()
        assert f"Log out ({persona})" in other and "Log out (officer)" not in other
    assert "Record a complaint" not in other  # the ombudsman records no complaints
    out = officer.post(reverse("staff:logout"), forms_of(body)[reverse("staff:logout")])
    assert out.status_code == 302 and SESSION_KEY not in officer.session
    assert '<li><a href="/staff/">Staff</a></li>' not in officer.get(
        reverse("citizen:home")).content.decode()


def test_each_frame_is_written_once_per_language_and_person(world, monkeypatch):
    monkeypatch.setattr(aduan, "_FRAMES", {})
    written = []
    get_template = aduan.get_template
    monkeypatch.setattr(aduan, "get_template", lambda name: (
        written.append(name), get_template(name))[1])
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.officer)
    for _ in range(3):
        for path in (reverse("staff:queue"), reverse("staff:intake")):
            assert client.get(path).status_code == 200
    frames = ["includes/header.html", "staff/_nav.html"]
    assert sorted(n for n in written if n in frames) == frames
    client.get(reverse("staff:queue"), headers={"accept-language": "id"})
    assert sorted(n for n in written if n in frames) == sorted(frames * 2)
    monkeypatch.setattr(aduan, "FRAMES_KEPT", 2)  # full: emptied, and written again
    client.get(reverse("citizen:home"))
    assert "Log out (officer)" in client.get(reverse("staff:queue")).content.decode()
