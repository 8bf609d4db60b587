"""The Django admin: every model reachable, workflow fields read-only, complaint actions
through the workflow service, and changelists whose query count does not grow."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from complaints.defaults import create_default_standard
from complaints.models import (
    Agency,
    Attachment,
    Complaint,
    HolidayOverride,
    Membership,
    Reporter,
    Service,
    ServiceStandard,
    Visibility,
)
from tests.conftest import MONDAY_9_WIB
from workflow.models import Clock, Event, Notification
from workflow.states import ClosureReason, Role, State

ADMIN_MODELS = (
    "auth.group", "auth.user", "complaints.agency", "complaints.holidayoverride",
    "complaints.service", "complaints.servicestandard", "complaints.clockpolicy",
    "complaints.complexitytier", "complaints.complaint", "complaints.reporter",
    "complaints.attachment", "complaints.feedback", "complaints.membership", "workflow.event",
    "workflow.clock", "workflow.notification", "api.apitoken",
)
COMPLAINTS = reverse("admin:complaints_complaint_changelist")


def admin_url(label: str, view: str, *args: Any) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


@pytest.fixture
def as_administrator(client, world):
    client.force_login(world.administrator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages asserted are the English ones
    return client


@pytest.fixture
def records(world, submit, complaint_in) -> dict[str, Any]:
    """At least one row of every model the admin shows."""
    received = submit().complaint  # with a reporter, so a notification is queued
    closed = complaint_in(State.CLOSED)  # accepted, so it has feedback
    Attachment.objects.create(
        complaint=received, file=ContentFile(b"jpeg", name="foto.jpg"), original_name="foto.jpg",
        content_type="image/jpeg", size=4, sha256="ab" * 32, uploaded_by_role=Role.CITIZEN,
    )
    HolidayOverride.objects.create(agency=world.agency, date=dt.date(2026, 9, 25),
                                   description="Hari Jadi Kota")
    Group.objects.create(name="Operator")
    ApiToken.issue(world.ombudsman, "ORI")
    return {"received": received, "closed": closed}


def test_every_model_of_the_domain_is_in_the_admin():
    # Libraries' own records (login lockouts) are theirs to show.
    registered = {model._meta.label_lower for model in admin.site._registry
                  if model._meta.app_label in ("auth", "complaints", "workflow", "api")}
    domain = {m._meta.label_lower for app in ("complaints", "workflow")
              for m in apps.get_app_config(app).get_models()}

    assert domain <= registered
    assert registered == set(ADMIN_MODELS)


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_changelist_loads_for_the_administrator(as_administrator, records, label):
    response = as_administrator.get(admin_url(label, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_change_page_loads_for_the_administrator(as_administrator, records, label):
    obj = apps.get_model(label)._default_manager.order_by("pk").first()
    assert obj is not None, f"no {label} to open"

    response = as_administrator.get(admin_url(label, "change", obj.pk))

    assert response.status_code == 200


def form_data(response) -> dict[str, Any]:
    """What the change form in `response` posts when saved unchanged, inlines included."""
    data: dict[str, Any] = {"_save": "Save"}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            data[form.add_prefix(name)] = "" if value is None else value
    return data


def test_complaint_page_is_view_only(as_administrator, records):
    complaint = records["received"]
    url = admin_url("complaints.complaint", "change", complaint.pk)
    page = as_administrator.get(url)
    assert page.status_code == 200
    assert "state" not in form_data(page)

    response = as_administrator.post(url, {"title": "Diubah", "state": State.CLOSED,
                                           "closure_reason": ClosureReason.RESOLVED})

    assert response.status_code == 403
    complaint.refresh_from_db()
    assert (complaint.title, complaint.state, complaint.closure_reason) == (
        "KTP-el belum jadi", State.RECEIVED, "")
    assert complaint.events.count() == 1


def test_complaints_and_events_cannot_be_added_or_deleted(as_administrator, records, world):
    complaint = records["received"]
    event = complaint.events.get()

    assert as_administrator.get(admin_url("complaints.complaint", "add")).status_code == 403
    assert as_administrator.get(admin_url("workflow.event", "add")).status_code == 403
    assert as_administrator.post(
        admin_url("complaints.complaint", "delete", complaint.pk), {"post": "yes"}
    ).status_code == 403
    assert as_administrator.post(
        admin_url("workflow.event", "delete", event.pk), {"post": "yes"}
    ).status_code == 403
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_events_clocks_and_notifications_are_read_only_even_for_a_superuser(records, rf, world):
    request = rf.get("/")
    request.user = world.administrator
    for model in (Event, Notification, apps.get_model("workflow.clock")):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert model_admin.has_view_permission(request), model


def run_action(client, action: str, url: str, *objects: Any):
    return client.post(url, {"action": action, "_selected_action": [o.pk for o in objects]},
                       follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def coordinating_administrator(as_administrator, world):
    """The administrator also coordinating the agency: rejecting is a coordinator's action,
    and the admin action asks the workflow, not the admin, who may take it."""
    Membership.objects.create(user=world.administrator, role=Role.COORDINATOR,
                              agency=world.agency)
    return as_administrator


def test_reject_as_spam_rejects_a_received_complaint(coordinating_administrator, submit,
                                                    world):
    complaint = submit().complaint

    response = run_action(coordinating_administrator, "reject_as_spam", COMPLAINTS, complaint)

    assert response.status_code == 200
    complaint.refresh_from_db()
    assert (complaint.state, complaint.closure_reason, complaint.rejection_reason) == (
        State.CLOSED, ClosureReason.REJECTED, "spam")
    event = complaint.events.order_by("seq").last()
    assert (event.seq, event.action, event.actor, event.role) == (
        2, "reject", world.administrator, Role.COORDINATOR)
    assert messages_of(response) == ["1 complaint rejected as spam."]


def test_reject_as_spam_reports_a_closed_complaint_instead_of_failing(
        coordinating_administrator, complaint_in, submit):
    closed = complaint_in(State.CLOSED)
    received = submit().complaint
    events_before = closed.events.count()

    response = run_action(coordinating_administrator, "reject_as_spam", COMPLAINTS, closed,
                          received)

    assert response.status_code == 200
    assert messages_of(response) == [
        f"{closed.tracking_number}: “Reject” is not possible now: the complaint is “Closed”.",
        "1 complaint rejected as spam.",
    ]
    closed.refresh_from_db()
    assert closed.closure_reason == ClosureReason.RESOLVED
    assert closed.events.count() == events_before


def test_reject_as_spam_reports_that_a_plain_administrator_may_not_reject(
        as_administrator, submit):
    complaint = submit().complaint

    response = run_action(as_administrator, "reject_as_spam", COMPLAINTS, complaint)

    assert messages_of(response) == [
        f"{complaint.tracking_number}: You may not take the action “Reject” on this complaint."]
    complaint.refresh_from_db()
    assert complaint.state == State.RECEIVED


def test_verify_audit_chain_reports_intact_and_broken_chains(as_administrator, complaint_in):
    intact = complaint_in(State.ASSIGNED)
    tampered = complaint_in(State.RESPONDED)
    # A direct UPDATE, as an attacker with database access would do; Event.save refuses.
    Event.objects.filter(complaint=tampered, seq=2).update(payload={"unit": "elsewhere"})

    response = run_action(as_administrator, "verify_audit_chain", COMPLAINTS, intact, tampered)

    assert messages_of(response) == [
        f"{tampered.tracking_number}: the audit chain is broken at event 2: "
        "hash does not match the event's contents",
        "1 audit chain verified: intact.",
    ]


def test_complaint_changelist_does_not_show_the_reporter(as_administrator, submit):
    submit(reporter={"name": "Siti Rahayu", "email": "siti@example.id", "phone": "0812999"})

    html = as_administrator.get(COMPLAINTS).content.decode()

    assert "Siti Rahayu" not in html and "siti@example.id" not in html and "0812999" not in html


def test_reporter_page_shows_the_identity_and_records_the_view(as_administrator, submit,
                                                               world):
    complaint = submit().complaint

    response = as_administrator.get(
        admin_url("complaints.reporter", "change", complaint.reporter.pk))

    assert response.status_code == 200
    assert "Siti Rahayu" in response.content.decode()
    event = complaint.events.order_by("seq").last()
    assert (event.action, event.actor, event.role) == (
        "identity_viewed", world.administrator, Role.ADMINISTRATOR)


def test_reporter_page_of_an_anonymous_complaint_is_refused(as_administrator, submit):
    complaint = submit(visibility=Visibility.ANONYMOUS).complaint

    response = as_administrator.get(
        admin_url("complaints.reporter", "change", complaint.reporter.pk))

    assert response.status_code == 403
    assert complaint.events.count() == 1


def test_notification_list_filters_dead_letters_and_masks_citizens(as_administrator, submit):
    dead = Notification.objects.get(event__complaint=submit().complaint)
    Notification.objects.filter(pk=dead.pk).update(status=Notification.Status.DEAD, attempts=5)
    Notification.objects.get(event__complaint=submit().complaint)  # a pending one

    response = as_administrator.get(
        admin_url("workflow.notification", "changelist") + "?status__exact=dead")

    assert [n.pk for n in response.context["cl"].result_list] == [dead.pk]
    assert "siti@example.id" not in response.content.decode()
    assert "s•••@example.id" in response.content.decode()


@pytest.mark.parametrize("view", ["change", "history"])
def test_notification_pages_mask_the_citizens_address(as_administrator, submit, view):
    notification = Notification.objects.get(event__complaint=submit().complaint)

    response = as_administrator.get(admin_url("workflow.notification", view, notification.pk))

    assert response.status_code == 200
    assert "siti@example.id" not in response.content.decode()


def test_retry_puts_dead_letters_back_in_the_outbox(as_administrator, submit):
    dead = Notification.objects.get(event__complaint=submit().complaint)
    sent = Notification.objects.get(event__complaint=submit().complaint)
    long_ago = MONDAY_9_WIB - dt.timedelta(days=3)
    Notification.objects.filter(pk=dead.pk).update(status=Notification.Status.DEAD,
                                                   attempts=6, next_attempt_at=long_ago)
    Notification.objects.filter(pk=sent.pk).update(status=Notification.Status.SENT,
                                                   next_attempt_at=long_ago)
    before = timezone.now()

    response = run_action(as_administrator, "retry",
                          admin_url("workflow.notification", "changelist"), dead, sent)

    assert messages_of(response) == ["1 notification queued for another attempt."]
    dead.refresh_from_db()
    sent.refresh_from_db()
    assert dead.status == Notification.Status.PENDING and dead.next_attempt_at >= before
    assert dead.attempts == 0  # the full back-off again
    assert sent.status == Notification.Status.SENT and sent.next_attempt_at == long_ago


def test_the_service_list_shows_the_version_a_submission_pins(as_administrator, world):
    # v2 corrects the rules and is dated back before v1: v1 took over later, and is in force.
    world.service.standards.filter(version=1).update(effective_from=dt.date(2021, 6, 1))
    create_default_standard(world.service, effective_from=dt.date(2021, 1, 1), version=2)
    pinned = world.service.standard_on(timezone.localdate())

    page = as_administrator.get(admin_url("complaints.service", "changelist"))

    row = next(line for line in page.content.decode().split("<tr") if "KTP elektronik" in line)
    assert pinned.version == 1
    assert '<td class="field-version_in_force">v1</td>' in row


def test_the_service_list_takes_the_day_at_each_services_agency(as_administrator, world):
    """23:30 in Jakarta is already the next day in Jayapura: a version effective that day
    is in force for a service in Jayapura, as its submissions pin it, and not yet for one in
    Jakarta."""
    papua = Agency.objects.create(code="jayapura", name="Pemkot Jayapura",
                                  time_zone="Asia/Jayapura")
    east = Service.objects.create(agency=papua, code="air", name="Air bersih")
    create_default_standard(east, effective_from=dt.date(2020, 1, 1))
    tenth = dt.date(2026, 3, 10)
    for service in (east, world.service):
        create_default_standard(service, effective_from=tenth, version=2)

    with time_machine.travel(dt.datetime(2026, 3, 9, 16, 30, tzinfo=dt.UTC), tick=False):
        page = as_administrator.get(admin_url("complaints.service", "changelist"))
        pinned = {s.code: s.standard_on(timezone.localtime(timezone.now(), s.agency.zone)
                                        .date()).version for s in (east, world.service)}

    rows = {code: next(line for line in page.content.decode().split("<tr") if name in line)
            for code, name in (("air", "Air bersih"), ("ktp-el", "KTP elektronik"))}
    assert pinned == {"air": 2, "ktp-el": 1}
    for code, version in pinned.items():
        assert f'<td class="field-version_in_force">v{version}</td>' in rows[code]


def test_a_standard_pinned_by_complaints_is_frozen(as_administrator, submit, world):
    submit()  # pins the standard of world.service
    pinned = world.service.standards.get()
    free = world.other_service.standards.get()

    pinned_page = as_administrator.get(admin_url("complaints.servicestandard", "change",
                                                 pinned.pk))
    free_page = as_administrator.get(admin_url("complaints.servicestandard", "change", free.pk))

    assert "effective_from" not in pinned_page.context["adminform"].form.fields
    assert "effective_from" in free_page.context["adminform"].form.fields
    clock_inlines = [i for i in pinned_page.context["inline_admin_formsets"]
                     if i.formset.model._meta.model_name == "clockpolicy"]
    assert not clock_inlines[0].has_change_permission


def test_copy_as_new_version_copies_clocks_and_tiers(as_administrator, world):
    standard = world.service.standards.get()

    run_action(as_administrator, "copy_as_new_version",
               admin_url("complaints.servicestandard", "changelist"), standard)

    copy = ServiceStandard.objects.get(service=world.service, version=2)
    assert copy.effective_from > timezone.localdate() - dt.timedelta(days=1)
    assert sorted(copy.clocks.values_list("name", "duration", "unit")) == sorted(
        standard.clocks.values_list("name", "duration", "unit"))
    assert sorted(copy.tiers.values_list("code", "duration", "is_default")) == sorted(
        standard.tiers.values_list("code", "duration", "is_default"))


def test_user_page_edits_memberships_inline(as_administrator, world):
    response = as_administrator.get(admin_url("auth.user", "change", world.officer.pk))

    html = response.content.decode()
    assert 'name="memberships-TOTAL_FORMS"' in html
    membership = world.officer.memberships.get()
    assert f'name="memberships-0-id" value="{membership.pk}"' in html
    assert world.unit.name in html


def count_queries(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries), [q["sql"] for q in queries.captured_queries]


def add_complaints(complaint_in, n: int) -> None:
    states = [State.RECEIVED, State.ASSIGNED, State.RESPONDED, State.CLOSED]
    for i in range(n):
        complaint_in(states[i % len(states)])


@pytest.mark.parametrize("label", [
    "complaints.complaint", "complaints.reporter", "workflow.event", "workflow.clock",
    "workflow.notification",
])
def test_changelist_queries_do_not_grow_with_the_number_of_complaints(
        as_administrator, complaint_in, label):
    url = admin_url(label, "changelist")
    add_complaints(complaint_in, 3)
    few, _ = count_queries(as_administrator, url)

    add_complaints(complaint_in, 7)
    many, statements = count_queries(as_administrator, url)

    assert many == few, "\n".join(statements)


def test_membership_and_user_changelists_do_not_grow_with_users(as_administrator, world):
    urls = [admin_url("complaints.membership", "changelist"),
            admin_url("auth.user", "changelist")]
    few = [count_queries(as_administrator, url)[0] for url in urls]
    for i in range(5):
        user = get_user_model().objects.create_user(username=f"petugas{i}")
        Membership.objects.create(user=user, role=Role.OFFICER, agency=world.unit)

    many = [count_queries(as_administrator, url) for url in urls]

    assert [n for n, _ in many] == few, "\n\n".join("\n".join(s) for _, s in many)


def test_complaint_search_finds_a_tracking_number_typed_loosely(as_administrator, submit):
    wanted = submit().complaint
    submit()
    typed = wanted.tracking_number.replace("-", " ").lower()

    response = as_administrator.get(COMPLAINTS, {"q": typed})

    assert [c.pk for c in response.context["cl"].result_list] == [wanted.pk]


def test_reporter_rows_have_no_identity_in_the_list(as_administrator, submit):
    submit()

    html = as_administrator.get(admin_url("complaints.reporter", "changelist")).content.decode()

    assert Reporter.objects.count() == 1
    assert "Siti Rahayu" not in html and "siti@example.id" not in html


def filter_choices(response, title: str) -> list[dict[str, Any]]:
    """The choices of the changelist's filter titled `title`, as the sidebar shows them."""
    changelist = response.context["cl"]
    for spec in changelist.filter_specs:
        if str(spec.title) == title:
            return list(spec.choices(changelist))
    raise AssertionError(f"no filter {title!r}")


def test_complaints_are_listed_by_the_year_they_were_received(as_administrator, submit):
    early = submit(now=dt.datetime(2024, 6, 3, 2, tzinfo=dt.UTC)).complaint
    late = submit(now=MONDAY_9_WIB).complaint  # 2026: no complaint was received in 2025

    choices = filter_choices(as_administrator.get(COMPLAINTS), "received at")
    years = [c for c in choices if c["display"].isdigit()]

    assert [c["display"] for c in years] == ["2026", "2025", "2024"]
    listed = {
        year["display"]: [c.pk for c in as_administrator.get(
            COMPLAINTS + year["query_string"]).context["cl"].result_list]
        for year in years
    }
    assert listed == {"2026": [late.pk], "2025": [], "2024": [early.pk]}


def test_the_years_start_at_new_year_in_the_sites_time_zone(as_administrator, submit,
                                                           settings):
    settings.TIME_ZONE = "Asia/Jayapura"  # UTC+9
    new_year_in_jayapura = submit(now=dt.datetime(2025, 12, 31, 16, tzinfo=dt.UTC)).complaint

    choices = filter_choices(as_administrator.get(COMPLAINTS), "received at")
    only = [c for c in choices if c["display"].isdigit()]

    assert [c["display"] for c in only] == ["2026"]
    listed = as_administrator.get(COMPLAINTS + only[0]["query_string"]).context["cl"]
    assert [c.pk for c in listed.result_list] == [new_year_in_jayapura.pk]


def test_the_agency_filter_offers_the_agencies_with_services(as_administrator, world, submit):
    ours = submit().complaint
    submit(service=world.other_service)

    response = as_administrator.get(COMPLAINTS)
    choices = filter_choices(response, "agency")[1:]  # after "All"

    offered = {c["display"]: c["query_string"] for c in choices}
    assert sorted(offered) == sorted([world.agency.name, world.other_agency.name])  # no unit
    chosen = as_administrator.get(COMPLAINTS + offered[world.agency.name]).context["cl"]
    assert [c.pk for c in chosen.result_list] == [ours.pk]


@pytest.mark.parametrize("label", [
    "complaints.complaint", "complaints.reporter", "complaints.attachment",
    "complaints.feedback", "workflow.event", "workflow.clock", "workflow.notification",
])
def test_changelists_neither_list_distinct_values_nor_count_twice(as_administrator, records,
                                                                  label):
    # The tables that grow with the complaints. At a million, a filter or date hierarchy
    # listing the values found reads every row (docs/performance.md, finding 21); so does
    # each COUNT.
    _, statements = count_queries(as_administrator, admin_url(label, "changelist"))

    assert not [sql for sql in statements if "DISTINCT" in sql.upper()]
    assert len([sql for sql in statements if "COUNT(" in sql.upper()]) == 1


@pytest.mark.parametrize(("label", "title", "field"), [
    ("complaints.attachment", "content type", "content_type"),
    ("complaints.feedback", "rating", "rating"),
    ("workflow.notification", "template", "template"),
    ("workflow.notification", "language", "language"),
    ("workflow.event", "action", "action"),
])
def test_filters_offer_every_value_the_records_hold(as_administrator, records, label, title,
                                                    field):
    model = apps.get_model(label)
    held = {str(value) for value in model.objects.values_list(field, flat=True)}
    url = admin_url(label, "changelist")

    offered = {parse_qs(c["query_string"].lstrip("?"))[field][0]
               for c in filter_choices(as_administrator.get(url), title)[1:]}

    assert held and held <= offered
    for value in held:
        shown = as_administrator.get(url, {field: value}).context["cl"].result_list
        assert {str(getattr(row, field)) for row in shown} == {value}


def test_clocks_are_filtered_by_their_status_now(as_administrator, records):
    now = timezone.now()
    statuses = {clock.pk: clock.status(now) for clock in Clock.objects.all()}
    url = admin_url("workflow.clock", "changelist")

    offered = {parse_qs(c["query_string"].lstrip("?"))["status"][0]
               for c in filter_choices(as_administrator.get(url), "status")[1:]}

    assert len(set(statuses.values())) > 1 and set(statuses.values()) <= offered
    for status in offered:
        shown = as_administrator.get(url, {"status": status}).context["cl"].result_list
        assert sorted(c.pk for c in shown) == sorted(
            pk for pk, held in statuses.items() if held == status)
