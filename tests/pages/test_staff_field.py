"""The fields of the staff forms (complaints.templatetags.aduan.staff_field): each written as
staff/_field.html writes it, the HTML of a field kept only under everything it is made of,
and never anything a person typed."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from complaints.models import Agency
from complaints.templatetags import aduan
from complaints.templatetags.aduan import staff_field


@pytest.fixture(autouse=True)
def nothing_kept(monkeypatch):
    monkeypatch.setattr(aduan, "_KEPT_FIELDS", {})


def written(field: forms.BoundField, quiet: bool = False) -> str:
    """The field as the template writes it, fresh."""
    return get_template("staff/_field.html").render({"field": field, "quiet": quiet})


class Sample(forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False, help_text="Pick one.",
                             choices=[("", "Any"), ("a", "Apples"), ("b", "Bananas")])
    kinds = forms.MultipleChoiceField(label="Kinds", required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      choices=[("a", "Apples"), ("b", "Bananas")])
    words = forms.CharField(label="Words", required=False)


def sample(data: dict[str, Any] | None = None, change: Any = None, **kwargs: Any
           ) -> forms.Form:
    form = Sample(data, **kwargs)
    if change is not None:
        change(form)
    return form


def relabel(form):
    form.fields["kind"].label = "Sort"


def rehint(form):
    form.fields["kind"].help_text = "Pick another."


def rename_choice(form):
    form.fields["kind"].widget.choices = [("", "Any"), ("a", "Apricots"), ("b", "Bananas")]


def add_choice(form):
    form.fields["kind"].widget.choices = [*form.fields["kind"].widget.choices, ("c", "Cherries")]


def require(form):
    form.fields["kind"].required = True


def add_attribute(form):
    form.fields["kind"].widget.attrs["class"] = "wide"


# Each: the form a field named "kind" is first written from, and one that differs from it in
# one thing the HTML shows.
DIFFERENCES = {
    "label": (lambda: sample(), lambda: sample(change=relabel)),
    "hint": (lambda: sample(), lambda: sample(change=rehint)),
    "a choice's label": (lambda: sample(), lambda: sample(change=rename_choice)),
    "one choice more": (lambda: sample(), lambda: sample(change=add_choice)),
    "required": (lambda: sample(), lambda: sample(change=require)),
    "an attribute": (lambda: sample(), lambda: sample(change=add_attribute)),
    "the choice made": (lambda: sample({"kind": "a"}), lambda: sample({"kind": "b"})),
    "a choice made or none": (lambda: sample({}), lambda: sample({"kind": "a"})),
    "the prefix": (lambda: sample(), lambda: sample(prefix="other")),
    "the ids": (lambda: sample(), lambda: sample(auto_id="f_%s")),
    "the widgets' renderer": (lambda: sample(), lambda: sample(renderer=DjangoTemplates())),
}


@pytest.mark.parametrize("difference", DIFFERENCES)
def test_a_kept_field_is_never_written_for_one_that_differs(difference):
    first, second = (make()["kind"] for make in DIFFERENCES[difference])
    assert written(first) != written(second)  # the difference shows
    assert staff_field(first) == written(first)
    assert staff_field(second) == written(second)
    assert staff_field(first) == written(first)  # and both are kept apart
    assert len(aduan._KEPT_FIELDS) == 2


@pytest.mark.parametrize("name", ["kind", "kinds", "words"])
def test_the_same_field_is_written_once(name, monkeypatch):
    data = {"kind": "a", "kinds": ["a", "b"]}
    assert staff_field(sample(data)[name]) == written(sample(data)[name])
    monkeypatch.setattr(aduan, "get_template", None)  # a field kept is not written again
    assert staff_field(sample(data)[name]) == written(sample(data)[name])


def test_quiet_and_not_are_kept_apart():
    field = sample()["words"]
    assert written(field, quiet=True) != written(field)  # "(optional)" or not
    assert staff_field(field, quiet=True) == written(field, quiet=True)
    assert staff_field(field) == written(field)


def test_each_language_is_kept_apart():
    with translation.override("en"):
        english = staff_field(sample()["words"])
    with translation.override("id"):
        indonesian = staff_field(sample()["words"])
        assert indonesian == written(sample()["words"])
    assert "(optional)" in english and "(opsional)" in indonesian


@pytest.mark.parametrize("data", [{"words": "Siti Rahayu, Jl. Merdeka 3"},
                                  {"kind": "Siti Rahayu"}, {"kinds": ["a", "Siti Rahayu"]}])
def test_what_a_person_typed_is_never_kept(data):
    form = sample(data)
    form.is_valid()
    for field in form:
        assert staff_field(field) == written(field)
    assert "Siti" not in repr(aduan._KEPT_FIELDS)
    assert "Siti" in "".join(written(f) for f in form if f.name in data)  # it was shown


def test_a_field_with_errors_is_written_each_time():
    missing = sample({}, change=require)  # nothing chosen, and a choice is required
    assert missing.errors
    assert staff_field(missing["kind"]) == written(missing["kind"])
    assert "errorlist" in staff_field(missing["kind"])
    assert not aduan._KEPT_FIELDS
    assert "errorlist" not in staff_field(sample(change=require)["kind"])


def test_choices_read_from_the_database_are_read_each_time(db):
    class Pick(forms.Form):
        agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("name"),
                                        to_field_name="code")

    Agency.objects.create(code="first", name="First", time_zone="Asia/Jakarta")
    assert "First" in staff_field(Pick()["agency"])
    Agency.objects.create(code="second", name="Second", time_zone="Asia/Jakarta")
    assert "Second" in staff_field(Pick()["agency"])
    assert not aduan._KEPT_FIELDS


def test_a_process_keeps_a_bounded_number_of_fields(monkeypatch):
    monkeypatch.setattr(aduan, "KEPT_FIELDS_LIMIT", 3)
    for index in range(10):
        field = sample(prefix=f"form{index}")["kind"]
        assert staff_field(field) == written(field)
        assert len(aduan._KEPT_FIELDS) <= 3


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_queue_filters_are_kept_and_shown_as_chosen(world, language):
    client = Client(headers={"accept-language": language})
    client.force_login(world.coordinator)
    queue = reverse("staff:queue")
    plain = client.get(queue, {"tab": "all"}).content.decode()
    assert len(aduan._KEPT_FIELDS) == 7  # six filters and the order
    chosen = client.get(queue, {"tab": "all", "state": "closed", "order": "newest"})
    body = chosen.content.decode()
    assert 'value="closed" id="id_state_3" checked' in body
    assert '<option value="newest" selected>' in body
    assert 'value="closed" id="id_state_3" checked' not in plain
    assert len(aduan._KEPT_FIELDS) == 9  # the two fields with other values
    searched = client.get(queue, {"tab": "all", "q": "Siti"}).content.decode()
    assert 'value="Siti"' in searched and len(aduan._KEPT_FIELDS) == 9
