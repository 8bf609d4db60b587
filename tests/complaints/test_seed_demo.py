"""manage.py seed_demo: a realistic demo world, built only through the workflow service,
deterministic, and safe to run twice."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from complaints import demo_data as demo
from complaints.models import (
    STAFF_INTAKE_CHANNELS,
    Agency,
    ClockPolicy,
    Complaint,
    ComplexityTier,
    Feedback,
    HolidayOverride,
    Membership,
    Reporter,
    Service,
    ServiceStandard,
    Visibility,
)
from workflow import audit
from workflow.models import Clock, Event, Notification
from workflow.states import ClockStatus, ClosureReason, Role, State

# A Monday, 10:00 WIB; the demo's six weeks lie before it.
NOW = dt.datetime(2026, 3, 16, 3, 0, tzinfo=dt.UTC)
ZONES = {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
MODELS = (Agency, HolidayOverride, Service, ServiceStandard, ClockPolicy, ComplexityTier,
          Complaint, Reporter, Feedback, Membership, Event, Clock, Notification)


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", now=NOW, stdout=out)
    return out.getvalue()


@pytest.fixture
def output(db) -> str:
    return seed_demo()


def demo_agencies() -> list[Agency]:
    return list(Agency.objects.filter(code__in=[a.code for a in demo.AGENCIES]))


def test_seed_demo_creates_top_level_agencies_in_the_three_zones_with_units(output):
    agencies = demo_agencies()

    assert len(agencies) >= 3
    assert all(a.parent_id is None for a in agencies)
    assert {a.time_zone for a in agencies} == ZONES
    for agency in agencies:
        assert 1 <= agency.units.count() <= 2, agency.code


def test_seed_demo_makes_the_makassar_hospital_a_front_line_unit(output):
    hospital = Agency.objects.get(time_zone="Asia/Makassar", parent=None)

    assert hospital.cuti_bersama_is_working is True
    assert "RSUD" in hospital.name


def test_seed_demo_creates_services_each_with_a_default_standard(output):
    services = Service.objects.filter(agency__in=demo_agencies())

    assert services.count() >= 6
    for service in services:
        standard = service.standards.get()
        assert (standard.version, standard.effective_from) == (1, dt.date(2025, 1, 1))
        assert standard.summary
        assert standard.clocks.count() == 6
        assert standard.tiers.count() == 4


def test_seed_demo_creates_a_user_for_every_role_with_the_demo_password(output):
    memberships = Membership.objects.select_related("user", "agency")
    for agency in demo_agencies():
        held = [m for m in memberships if m.agency and m.agency.is_within(agency)]
        roles = [m.role for m in held]
        assert roles.count(Role.COORDINATOR) >= 1, agency.code
        assert roles.count(Role.OFFICER) >= 2, agency.code
        assert roles.count(Role.SUPERVISOR) >= 1, agency.code
    assert memberships.filter(role=Role.OMBUDSMAN, agency=None).exists()
    administrator = get_user_model().objects.get(username=demo.ADMIN_USERNAME)
    assert administrator.is_superuser and administrator.is_staff
    assert memberships.filter(user=administrator, role=Role.ADMINISTRATOR).exists()
    for membership in memberships:
        assert membership.user.check_password(demo.DEMO_PASSWORD), membership.user.username


def test_seed_demo_creates_about_fifty_complaints_covering_every_state_and_closure(output):
    complaints = Complaint.objects.filter(agency__in=demo_agencies())

    assert 45 <= complaints.count() <= 60
    assert set(complaints.values_list("state", flat=True)) == set(State.values)
    closed = complaints.filter(state=State.CLOSED)
    assert set(closed.values_list("closure_reason", flat=True)) == set(ClosureReason.values)
    assert complaints.filter(visibility=Visibility.ANONYMOUS).count() >= 3
    assert complaints.filter(visibility=Visibility.CONFIDENTIAL).count() >= 3
    channels = set(complaints.values_list("channel", flat=True))
    assert len(channels) >= 4
    assert channels & set(STAFF_INTAKE_CHANNELS)


def test_seed_demo_complaints_went_through_the_workflow_with_intact_audit_chains(output):
    for complaint in Complaint.objects.all():
        report = audit.verify_complaint(complaint)
        assert report.ok, report
        events = list(complaint.events.order_by("seq"))
        assert events[0].action == "submit"
        assert events[-1].to_state == complaint.state, complaint.tracking_number


def test_seed_demo_spreads_events_over_the_six_weeks_before_now(output):
    times = Event.objects.values_list("occurred_at", flat=True)

    assert min(times) >= NOW - dt.timedelta(weeks=6)
    assert max(times) <= NOW
    assert max(times) - min(times) >= dt.timedelta(weeks=5)


def test_seed_demo_clocks_show_met_at_risk_and_breached(output):
    statuses = set(Clock.objects.with_status(NOW).values_list("status_at", flat=True))

    assert {ClockStatus.MET, ClockStatus.AT_RISK, ClockStatus.BREACHED} <= statuses


def test_seed_demo_prints_the_password_the_accounts_and_counts_per_state(output):
    assert demo.DEMO_PASSWORD in output
    for username in [s.username for s in demo.STAFF] + [demo.ADMIN_USERNAME]:
        assert username in output
    for state in State.values:
        assert state in output


def test_seed_demo_run_twice_creates_nothing_new(output):
    before = {model.__name__: model.objects.count() for model in (*MODELS, get_user_model())}

    second = seed_demo()

    after = {model.__name__: model.objects.count() for model in (*MODELS, get_user_model())}
    assert after == before
    assert "Complaints created now: 0" in second


class Rollback(Exception):
    pass


def snapshot() -> list[tuple]:
    return sorted(Complaint.objects.values_list(
        "service__code", "title", "state", "closure_reason", "channel", "visibility",
        "received_at",
    ))


def test_seed_demo_is_deterministic(db):
    with pytest.raises(Rollback), transaction.atomic():
        seed_demo()
        first = snapshot()
        raise Rollback

    seed_demo()

    assert snapshot() == first


def test_seed_demo_history_mail_counts_as_sent_so_the_worker_starts_quiet(output):
    assert Notification.objects.exists()
    assert not Notification.objects.exclude(status=Notification.Status.SENT).exists()
