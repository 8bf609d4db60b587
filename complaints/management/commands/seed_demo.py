"""`manage.py seed_demo`: a demo world to click through.

Agencies in the three time zones with their units, services and default standards, a user
for every role, and about fifty complaints that went through the workflow over the past six
weeks. Reference data is looked up by natural key (agency and service code, username), so a
second run adds nothing; complaints are created only while the demo agencies have none.

Complaints are made only through `complaint_submit` and `complaint_transition`, at `now=`
instants in the past, so their events, clocks and outbox rows are exactly what the workflow
would have written. Who complains about what and when is drawn from a fixed random seed;
tracking numbers and access tokens stay random, as the service makes them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from complaints import demo_data as demo
from complaints.defaults import create_default_standard
from complaints.models import (
    STAFF_INTAKE_CHANNELS,
    Agency,
    Channel,
    Classification,
    Complaint,
    HolidayOverride,
    Membership,
    Service,
    Visibility,
)
from workflow.errors import WorkflowError
from workflow.models import Clock, Notification
from workflow.permissions import SYSTEM, Actor
from workflow.services import complaint_submit, complaint_transition
from workflow.states import Action, ClockName, RejectionReason, Role

DAY = 24.0  # hours
HOUR = dt.timedelta(hours=1)

# How complaints arrive: mostly the web form, about a third recorded by staff.
CHANNEL_WEIGHTS = {
    Channel.WEB: 45, Channel.API: 8, Channel.OPEN311: 5, Channel.PHONE: 12, Channel.LETTER: 8,
    Channel.WALK_IN: 9, Channel.EMAIL: 5, Channel.SMS: 4, Channel.SOCIAL_MEDIA: 4,
}
# How long before staff record it a complaint reached the agency, by channel (hours).
INTAKE_DELAY = {
    Channel.PHONE: (0.05, 0.5), Channel.WALK_IN: (0.05, 0.3), Channel.LETTER: (DAY, 3 * DAY),
    Channel.EMAIL: (2, 20), Channel.SMS: (1, 12), Channel.SOCIAL_MEDIA: (2, 30),
}
TIER_WEIGHTS = {"": 60, "ringan": 25, "tidak-berkadar-pengawasan": 10, "berkadar-pengawasan": 5}
CLASSIFICATIONS = (Classification.COMPLAINT,) * 4 + (
    Classification.ASPIRATION, Classification.INFORMATION_REQUEST)


def _instant(value: str) -> dt.datetime:
    parsed = parse_datetime(value)
    if parsed is None or timezone.is_naive(parsed):
        raise argparse.ArgumentTypeError("use an ISO 8601 time with an offset")
    return parsed


class Command(BaseCommand):
    help = "Create demo agencies, services, users and complaints (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", type=_instant, default=None,
            help="Pretend it is this instant (ISO 8601 with offset); default: the real time.",
        )

    def handle(self, *args: Any, now: dt.datetime | None = None, **options: Any) -> None:
        now = (now or timezone.now()).replace(second=0, microsecond=0)
        # One transaction: a failure half-way leaves nothing, so the next run starts clean
        # instead of finding some complaints and skipping the rest.
        with transaction.atomic():
            agencies = seed_agencies()
            services = seed_services(agencies)
            users = seed_users(agencies)
            roots = [agencies[a.code] for a in demo.AGENCIES]
            created = 0
            if not Complaint.objects.filter(agency__in=roots).exists():
                created = DemoComplaints(now, agencies, services, users).create()
                # The demo's past mail counts as delivered back then; the worker mails only
                # what happens from now on.
                in_demo = Q()
                for root in roots:
                    in_demo |= Q(event__complaint__agency__path__startswith=root.path)
                Notification.objects.filter(in_demo, status=Notification.Status.PENDING).update(
                    status=Notification.Status.SENT, sent_at=now)
        if options["verbosity"] >= 1:
            self._report(roots, now, created)

    def _report(self, roots: list[Agency], now: dt.datetime, created: int) -> None:
        write = self.stdout.write
        memberships = (Membership.objects.filter(user__username__in=_demo_usernames())
                       .select_related("user", "agency").order_by("agency__path", "role"))
        rows = [(m.user.username, m.user.get_full_name(), m.get_role_display(),
                 m.agency.name if m.agency else "(semua instansi)") for m in memberships]
        write("Demo logins (http://127.0.0.1:8000/admin/):")
        write(_table(("username", "name", "role", "agency"), rows))
        write(f"\nPassword for every demo account: {demo.DEMO_PASSWORD}\n")
        complaints = Complaint.objects.filter(agency__in=roots)
        write(f"Complaints created now: {created}; in the demo agencies: {complaints.count()}")
        for label, counts in (
            ("state", complaints.values_list("state").annotate(n=Count("id"))),
            ("closure reason", complaints.exclude(closure_reason="")
             .values_list("closure_reason").annotate(n=Count("id"))),
            ("clock status", Clock.objects.filter(complaint__in=complaints).with_status(now)
             .values_list("status_at").annotate(n=Count("id"))),
        ):
            write(f"\nBy {label}:")
            write(_table((label, "count"), sorted(counts)))


def _table(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> str:
    rows = [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(f.rstrip() for f in [fmt.format(*header), line,
                                          *(fmt.format(*r) for r in rows)])


# --- reference data ----------------------------------------------------------------------

def seed_agencies() -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    for spec in demo.AGENCIES:
        calendar = {
            "time_zone": spec.time_zone, "working_weekdays": spec.working_weekdays,
            "office_opens": spec.office_opens, "office_closes": spec.office_closes,
            "cuti_bersama_is_working": spec.cuti_bersama_is_working,
        }
        top, _ = Agency.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "email": f"pengaduan@{spec.code}.example", **calendar},
        )
        agencies[spec.code] = top
        for code, name in spec.units:
            agencies[code], _ = Agency.objects.get_or_create(
                code=code, defaults={"name": name, "parent": top, **calendar}
            )
        for day, description in spec.closed_days:
            HolidayOverride.objects.get_or_create(
                agency=top, date=day, defaults={"description": description}
            )
    return agencies


def seed_services(agencies: dict[str, Agency]) -> dict[str, Service]:
    services: dict[str, Service] = {}
    for spec in demo.SERVICES:
        service, _ = Service.objects.get_or_create(
            code=spec.code,
            defaults={"agency": agencies[spec.agency], "name": spec.name, "group": spec.group,
                      "keywords": spec.keywords, "description": spec.description},
        )
        if not service.standards.exists():
            create_default_standard(service, effective_from=demo.STANDARD_EFFECTIVE_FROM,
                                    summary=spec.summary)
        services[spec.code] = service
    return services


def _demo_usernames() -> list[str]:
    return [s.username for s in demo.STAFF] + [demo.ADMIN_USERNAME]


def seed_users(agencies: dict[str, Agency]) -> dict[str, Any]:
    user_model = get_user_model()
    # Hashed once: every demo account has the same password, and hashing is slow on purpose.
    password = make_password(demo.DEMO_PASSWORD)
    users = {}
    specs = [*demo.STAFF, demo.StaffSpec(demo.ADMIN_USERNAME, "Administrator", "Aduan",
                                         Role.ADMINISTRATOR, None)]
    for spec in specs:
        is_admin = spec.role == Role.ADMINISTRATOR
        user, _ = user_model.objects.get_or_create(
            username=spec.username,
            defaults={"first_name": spec.first_name, "last_name": spec.last_name,
                      "email": f"{spec.username}@{demo.EMAIL_DOMAIN}", "password": password,
                      "is_staff": is_admin, "is_superuser": is_admin},
        )
        Membership.objects.get_or_create(
            user=user, role=spec.role, agency=agencies[spec.agency] if spec.agency else None
        )
        users[spec.username] = user
    return users


# --- complaints ----------------------------------------------------------------------------

@dataclass
class Cast:
    """The staff of one top-level agency."""

    coordinator: Any
    supervisor: Any
    officers: dict[str, list[Any]]  # unit code → officers of that unit


@dataclass(frozen=True)
class Scenario:
    name: str
    count: int
    age_days: tuple[float, float]  # how long ago the complaint was submitted
    story: Callable[[Story], None]
    # Fixed (service code or None for any, text or None for the duplicate, argument).
    texts: tuple[tuple[str | None, demo.Text | None, str], ...] = ()


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    service: str
    text: demo.Text | None
    argument: str
    submitted_at: dt.datetime
    visibility: str
    channel: str
    citizen: demo.Citizen
    contact: str  # "full", "email" or "none"
    consent: bool
    place: bool


class Story:
    """One complaint taken through the workflow, step by step, at instants in the past."""

    def __init__(self, seeder: DemoComplaints, complaint: Complaint, plan: Plan,
                 start: dt.datetime, argument: str) -> None:
        self.seeder, self.complaint, self.plan = seeder, complaint, plan
        self.rng = seeder.rng
        self.cast = seeder.casts[seeder.root_of[plan.service]]
        self.unit = seeder.service_specs[plan.service].unit
        self.t = start
        self.argument = argument

    def _wait(self, hours: tuple[float, float], *, office: bool) -> None:
        raw = self.t + dt.timedelta(hours=self.rng.uniform(*hours))
        t = self.seeder.office_time(self.plan.service, raw) if office else raw
        if t > self.seeder.limit:
            t = raw if raw <= self.seeder.limit else self.seeder.limit
        self.t = max(t, self.t)

    def _do(self, action: str, actor: Actor, payload: dict[str, Any] | None = None) -> None:
        try:
            self.complaint = complaint_transition(
                complaint=self.complaint, action=action, actor=actor, payload=payload,
                now=self.t,
            )
        except WorkflowError as exc:
            raise CommandError(f"demo story {self.plan.scenario.name!r} failed at {action} on "
                               f"{self.complaint.tracking_number}: {exc.message}") from exc

    def _at_expiry(self, clock_name: str) -> None:
        """Move to just after a clock runs out, for the sweeper's transitions."""
        clock = self.complaint.open_clock(clock_name)
        assert clock is not None, clock_name
        self.t = clock.due_at + dt.timedelta(hours=self.rng.uniform(1, 6))
        if self.t > self.seeder.limit:
            raise CommandError(f"demo story {self.plan.scenario.name!r}: the {clock_name} clock "
                               "has not run out yet; submit it earlier")

    @property
    def citizen(self) -> Actor:
        return Actor.citizen(self.complaint)

    def assign(self, *, after: tuple[float, float] = (3, 20), tier: str | None = None) -> None:
        self._wait(after, office=True)
        officer = self.rng.choice(self.cast.officers[self.unit])
        if tier is None:
            tier = self.rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
        self._do(Action.ASSIGN, Actor.staff(self.cast.coordinator), {
            "unit": self.unit, "assignee": officer.username, "complexity": tier,
            "classification": self.rng.choice(CLASSIFICATIONS),
        })

    def reassign(self) -> None:
        self._wait((0.5 * DAY, 1.5 * DAY), office=True)
        current = self.complaint.assignee
        choices = [(unit, o) for unit, officers in self.cast.officers.items()
                   for o in officers if o != current]
        same_unit = [c for c in choices if c[0] == self.unit]
        unit, officer = self.rng.choice(same_unit or choices)
        actor = self.rng.choice((self.cast.coordinator, self.cast.supervisor))
        self._do(Action.REASSIGN, Actor.staff(actor),
                 {"unit": unit, "assignee": officer.username})

    def request_info(self) -> None:
        self._wait((DAY, 2 * DAY), office=True)
        self._do(Action.REQUEST_INFO, Actor.staff(self.complaint.assignee),
                 {"message": self.rng.choice(demo.INFO_REQUESTS)})

    def provide_info(self) -> None:
        self._wait((2 * DAY, 5 * DAY), office=False)
        self._do(Action.PROVIDE_INFO, self.citizen,
                 {"message": self.rng.choice(demo.INFO_REPLIES)})

    def extend(self) -> None:
        self._wait((3 * DAY, 4 * DAY), office=True)
        self._do(Action.EXTEND, Actor.staff(self.cast.supervisor), {
            "clock": ClockName.FIRST_RESPONSE, "amount": 5,
            "reason": self.rng.choice(demo.EXTENSION_REASONS),
        })

    def respond(self) -> None:
        self._wait((DAY, 4 * DAY), office=True)
        self._do(Action.RESPOND, Actor.staff(self.complaint.assignee),
                 {"response": self.seeder.service_specs[self.plan.service].response})

    def dispute(self) -> None:
        self._wait((DAY, 3 * DAY), office=False)
        self._do(Action.DISPUTE, self.citizen, {"reason": self.rng.choice(demo.DISPUTES)})

    def accept(self) -> None:
        self._wait((0.5 * DAY, 4 * DAY), office=False)
        rating, comment = self.rng.choice(demo.ACCEPT_COMMENTS)
        self._do(Action.ACCEPT, self.citizen, {"rating": rating, "comment": comment})

    def auto_close(self) -> None:
        self._at_expiry(ClockName.REPLY_WINDOW)
        self._do(Action.AUTO_CLOSE, SYSTEM)

    def withdraw(self) -> None:
        self._wait((DAY, 3 * DAY), office=False)
        self._do(Action.WITHDRAW, self.citizen, {"reason": self.rng.choice(demo.WITHDRAWALS)})

    def system_withdraw(self) -> None:
        self._at_expiry(ClockName.INFO_WAIT)
        self._do(Action.WITHDRAW, SYSTEM,
                 {"reason": "Informasi yang diminta tidak diterima dalam batas waktu."})

    def reject(self, reason: str, **extra: str) -> None:
        self._wait((2, 20), office=True)
        self._do(Action.REJECT, Actor.staff(self.cast.coordinator), {"reason": reason, **extra})

    def refer(self, **payload: str) -> None:
        self._wait((2, 20), office=True)
        self._do(Action.REFER, Actor.staff(self.cast.coordinator), payload)


def _steps(*names: str) -> Callable[[Story], None]:
    def run(story: Story) -> None:
        for name in names:
            getattr(story, name)()

    return run


def _assigned_late(s: Story) -> None:
    s.assign(after=(4 * DAY, 6 * DAY), tier="")


def _extended(s: Story) -> None:
    s.assign(tier="normatif")  # a tier below the statutory ceiling, so it may be extended
    s.extend()


_respond_twice = _steps("assign", "respond", "dispute", "respond")
_resolve_after_dispute = _steps("assign", "respond", "dispute", "respond", "accept")


def _reject_spam(s: Story) -> None:
    s.reject(RejectionReason.SPAM)


def _reject_out_of_scope(s: Story) -> None:
    s.reject(RejectionReason.OUT_OF_SCOPE, note=s.argument)


def _reject_duplicate(s: Story) -> None:
    s.reject(RejectionReason.DUPLICATE, duplicate_of=s.argument)


def _refer_outside(s: Story) -> None:
    s.refer(agency_name=s.argument)


def _refer_in_system(s: Story) -> None:
    s.refer(service=s.argument, note="Kewenangan instansi lain di kota yang sama.")


# About fifty complaints: every state, every closure reason, clocks met, at risk and
# breached. Ages keep the slowest story (info_wait of 30 days) inside six weeks.
SCENARIOS = (
    Scenario("received", 4, (0.2, 2.5), _steps()),
    Scenario("received_overdue", 3, (6, 12), _steps()),
    Scenario("assigned", 4, (1.5, 7), _steps("assign")),
    Scenario("assigned_late", 2, (9, 14), _assigned_late),
    Scenario("waiting_for_info", 2, (5, 12), _steps("assign", "request_info")),
    Scenario("info_provided", 2, (10, 20), _steps("assign", "request_info", "provide_info")),
    Scenario("extended", 2, (7, 12), _extended),
    Scenario("reassigned", 2, (3, 8), _steps("assign", "reassign")),
    Scenario("responded", 5, (5, 12), _steps("assign", "respond")),
    Scenario("responded_after_dispute", 2, (12, 20), _respond_twice),
    Scenario("resolved", 6, (12, 40), _steps("assign", "respond", "accept")),
    Scenario("resolved_after_dispute", 2, (20, 40), _resolve_after_dispute),
    Scenario("no_reply", 4, (28, 40), _steps("assign", "respond", "auto_close")),
    Scenario("spam", 2, (1, 30), _reject_spam,
             texts=tuple((None, t, "") for t in demo.SPAM_TEXTS)),
    Scenario("out_of_scope", 1, (3, 20), _reject_out_of_scope, texts=demo.OUT_OF_SCOPE),
    Scenario("duplicate", 1, (2, 6), _reject_duplicate, texts=((None, None, ""),)),
    Scenario("referred_outside", 2, (3, 30), _refer_outside, texts=demo.REFERRED_OUTSIDE),
    Scenario("referred_in_system", 1, (10, 20), _refer_in_system,
             texts=demo.REFERRED_IN_SYSTEM),
    Scenario("withdrawn_before_assignment", 1, (3, 20), _steps("withdraw")),
    Scenario("withdrawn_after_assignment", 1, (5, 20), _steps("assign", "withdraw")),
    Scenario("withdrawn_by_system", 2, (38, 41),
             _steps("assign", "request_info", "system_withdraw")),
)


class DemoComplaints:
    def __init__(self, now: dt.datetime, agencies: dict[str, Agency],
                 services: dict[str, Service], users: dict[str, Any]) -> None:
        self.now = now
        self.limit = now - dt.timedelta(minutes=5)
        self.rng = random.Random(demo.DEMO_SEED)
        self.services = services
        self.service_specs = {s.code: s for s in demo.SERVICES}
        self.root_of = {s.code: s.agency for s in demo.SERVICES}
        self.agency_specs = {a.code: a for a in demo.AGENCIES}
        self.calendars = {a.code: agencies[a.code] for a in demo.AGENCIES}
        self.casts = _casts(users)
        self.created: list[Complaint] = []

    def create(self) -> int:
        before = Complaint.objects.count()
        for plan in sorted(self._plans(), key=lambda p: p.submitted_at):
            story = self._submit(plan)
            plan.scenario.story(story)
            self.created.append(story.complaint)
        return Complaint.objects.count() - before

    def _plans(self) -> list[Plan]:
        codes = [s.code for s in demo.SERVICES]
        next_service = itertools.cycle(self.rng.sample(codes, len(codes))).__next__
        texts = {code: itertools.cycle(demo.TEXTS[code]) for code in codes}
        plans = []
        for scenario in SCENARIOS:
            for i in range(scenario.count):
                service, text, argument = (scenario.texts[i % len(scenario.texts)]
                                           if scenario.texts else (None, None, ""))
                service = service or next_service()
                if not scenario.texts:
                    text = next(texts[service])
                plans.append(self._plan(len(plans), scenario, service, text, argument))
        return plans

    def _plan(self, n: int, scenario: Scenario, service: str, text: demo.Text | None,
              argument: str) -> Plan:
        rng = self.rng
        # Fixed positions, so that every run has anonymous and confidential complaints.
        visibility = (Visibility.ANONYMOUS if n % 6 == 3
                      else Visibility.CONFIDENTIAL if n % 8 == 6 else Visibility.PUBLIC)
        city = self.agency_specs[self.root_of[service]].city
        return Plan(
            scenario=scenario, service=service, text=text, argument=argument,
            submitted_at=self.now - dt.timedelta(days=rng.uniform(*scenario.age_days)),
            visibility=visibility,
            channel=rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0],
            citizen=rng.choice(demo.CITIZENS[city]),
            contact="full" if visibility != Visibility.ANONYMOUS else rng.choice(("email", "none")),
            consent=rng.random() < 0.5, place=rng.random() < 0.6,
        )

    def _submit(self, plan: Plan) -> Story:
        service = self.services[plan.service]
        cast = self.casts[self.root_of[plan.service]]
        now, received_at, actor = plan.submitted_at, None, Actor(kind="citizen")
        if plan.channel in STAFF_INTAKE_CHANNELS:
            now = min(self.office_time(plan.service, now), self.limit)
            received_at = now - dt.timedelta(hours=self.rng.uniform(*INTAKE_DELAY[plan.channel]))
            if plan.channel == Channel.LETTER:
                # A letter is stamped in by the front office during office hours.
                received_at = min(self.office_time(plan.service, received_at), now)
            actor = Actor.staff(cast.coordinator)
        text, argument = plan.text, plan.argument
        if text is None:
            text, argument = self._duplicate_of(service, now)
        try:
            submitted = complaint_submit(
                actor=actor, service=service, title=text.title, description=text.description,
                visibility=plan.visibility, channel=plan.channel, reporter=self._reporter(plan),
                location_text=text.location, **self._coordinates(plan), received_at=received_at,
                now=now,
            )
        except WorkflowError as exc:
            raise CommandError(f"demo submission failed: {exc.message}") from exc
        return Story(self, submitted.complaint, plan, now, argument)

    def _duplicate_of(self, service: Service, now: dt.datetime) -> tuple[demo.Text, str]:
        earlier = [c for c in self.created if c.agency_id == service.agency_id
                   and c.received_at < now]
        if not earlier:
            raise CommandError("the duplicate demo complaint needs an earlier one to repeat")
        original = earlier[-1]
        text = demo.Text(original.title, "Saya kirim ulang karena belum ada kabar. "
                         + original.description, original.location_text)
        return text, original.tracking_number

    def _reporter(self, plan: Plan) -> dict[str, Any] | None:
        person = plan.citizen
        if plan.contact == "none":
            return None
        if plan.contact == "email":
            return {"email": person.email}
        return {"name": person.name, "email": person.email, "phone": person.phone,
                "id_number": person.id_number, "address": person.address,
                "consent_to_share": plan.consent}

    def _coordinates(self, plan: Plan) -> dict[str, str | None]:
        if not plan.place or plan.channel not in (Channel.WEB, Channel.API, Channel.OPEN311):
            return {"latitude": None, "longitude": None}
        lat, lon = self.agency_specs[self.root_of[plan.service]].centre
        return {"latitude": f"{lat + self.rng.uniform(-0.03, 0.03):.6f}",
                "longitude": f"{lon + self.rng.uniform(-0.03, 0.03):.6f}"}

    def office_time(self, service_code: str, t: dt.datetime) -> dt.datetime:
        """The first moment at or after `t` when the service's agency is at work."""
        agency = self.calendars[self.root_of[service_code]]
        calendar, zone = agency.calendar, agency.zone
        local = t.astimezone(zone)
        for _ in range(30):  # longer than any run of holidays and weekends
            day = local.date()
            opens = dt.datetime.combine(day, agency.office_opens, zone)
            last = dt.datetime.combine(day, agency.office_closes, zone) - 0.5 * HOUR
            if calendar.is_working_day(day) and local <= last:
                if local < opens:
                    local = opens + dt.timedelta(minutes=self.rng.randint(5, 90))
                return local.astimezone(dt.UTC)
            local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
        return t


def _casts(users: dict[str, Any]) -> dict[str, Cast]:
    root_of_unit = {unit: a.code for a in demo.AGENCIES for unit, _ in a.units}
    casts = {a.code: Cast(None, None, {unit: [] for unit, _ in a.units}) for a in demo.AGENCIES}
    for spec in demo.STAFF:
        if spec.agency is None:
            continue
        cast = casts[root_of_unit.get(spec.agency, spec.agency)]
        user = users[spec.username]
        if spec.role == Role.COORDINATOR:
            cast.coordinator = user
        elif spec.role == Role.SUPERVISOR:
            cast.supervisor = user
        else:
            cast.officers[spec.agency].append(user)
    return casts
