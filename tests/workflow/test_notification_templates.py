"""The notification e-mail templates: every template the workflow can queue renders, in
Bahasa Indonesia and English, as a one-line subject plus a plain-text body; user text is not
HTML-escaped; citizen mails never reveal the reporter or the officer; delivery sends them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import dateformat, translation

from complaints.models import Complaint, Membership
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow import notifications
from workflow.delivery import deliver_pending, render
from workflow.models import Clock, Notification
from workflow.permissions import SYSTEM, Actor
from workflow.services import clock_breach, clock_warn, complaint_transition
from workflow.states import Action, Role

CITIZEN_TEMPLATES = [
    "citizen/submit", "citizen/assign", "citizen/request_info", "citizen/extend",
    "citizen/respond", "citizen/accept", "citizen/auto_close", "citizen/reject",
    "citizen/refer", "citizen/withdraw", "citizen/info_wait_reminder",
    "citizen/reply_window_reminder",
]
STAFF_TEMPLATES = [
    "staff/assign", "staff/reassign", "staff/provide_info", "staff/dispute", "staff/warning",
    "staff/breach",
]
TEMPLATES = CITIZEN_TEMPLATES + STAFF_TEMPLATES

# Text that HTML escaping would mangle.
HTML = '<b>&"'
ESCAPED = ("&lt;", "&gt;", "&amp;", "&quot;", "&#x27;", "&#39;")
OFFICER = "budi.petugas77"
REPORTER = "Siti Rahayu"
HOUR = dt.timedelta(hours=1)


def test_every_queueable_template_is_covered():
    # notifications.TEMPLATES: every template name the outbox can be given.
    assert set(TEMPLATES) == set(notifications.TEMPLATES)


def test_every_template_is_written_in_each_language_and_no_other():
    root = Path(settings.BASE_DIR) / "templates" / "notifications"
    for language, _name in settings.LANGUAGES:
        written = {str(path.relative_to(root / language).with_suffix(""))
                   for path in (root / language).rglob("*.txt") if not path.name.startswith("_")}
        assert written == set(notifications.TEMPLATES), language


class Story:
    """Drives complaints through the workflow so that every template gets queued."""

    def __init__(self, world, submit):
        self.world, self.submit = world, submit
        self.officer = get_user_model().objects.create_user(
            username=OFFICER, email="budi@example.go.id", password="x",
            first_name="Budi", last_name="Santoso")
        Membership.objects.create(user=self.officer, role=Role.OFFICER, agency=world.unit)
        self.t = MONDAY_9_WIB

    def at(self, when: dt.datetime | None = None) -> dt.datetime:
        self.t = max(self.t, when) + dt.timedelta(seconds=1) if when else self.t + HOUR
        return self.t

    def act(self, complaint, action, actor, payload=None) -> Complaint:
        return complaint_transition(
            complaint=complaint, action=action, actor=actor, now=self.at(),
            payload=valid_payload(action, self.world) if payload is None else payload)

    @staticmethod
    def staff(user) -> Actor:
        return Actor.staff(user)

    @staticmethod
    def clock(complaint, name) -> Clock:
        return complaint.clocks.get(name=name, stopped_at__isnull=True)

    def new(self, **fields) -> Complaint:
        return self.submit(now=self.at(), **fields).complaint

    def assign(self, complaint) -> Complaint:
        return self.act(complaint, Action.ASSIGN, self.staff(self.world.coordinator),
                        {"unit": self.world.unit.code, "assignee": OFFICER,
                         "complexity": "normatif"})

    def run(self) -> None:
        w, citizen = self.world, Actor.citizen
        # The main story: submit, assign, extend, request and provide information,
        # reassign, warning and breach, respond, reminder, dispute, respond, accept.
        c = self.new(title=f"Lampu jalan {HTML} mati", description=f"Lampu {HTML} mati.")
        c = self.assign(c)
        c = self.act(c, Action.EXTEND, self.staff(w.supervisor),
                     {"clock": "first_response", "amount": 3, "reason": f"Suku cadang {HTML}"})
        c = self.act(c, Action.REQUEST_INFO, self.staff(self.officer),
                     {"message": f"Mohon foto tiang {HTML}."})
        info_wait = self.clock(c, "info_wait")
        assert clock_warn(info_wait.pk, now=self.at(info_wait.warn_at))
        c = self.act(c, Action.PROVIDE_INFO, citizen(c), {"message": f"Foto terlampir {HTML}."})
        c = self.act(c, Action.REASSIGN, self.staff(w.coordinator))
        first = self.clock(c, "first_response")
        assert clock_warn(first.pk, now=self.at(first.warn_at))
        assert clock_breach(first.pk, now=self.at(first.due_at))
        c = self.act(c, Action.RESPOND, self.staff(w.second_officer),
                     {"response": f"Lampu sudah diganti {HTML}."})
        window = self.clock(c, "reply_window")
        assert clock_warn(window.pk, now=self.at(window.warn_at))
        c = self.act(c, Action.DISPUTE, citizen(c), {"reason": f"Masih mati {HTML}."})
        c = self.act(c, Action.RESPOND, self.staff(w.second_officer),
                     {"response": f"Kabel diganti {HTML}."})
        self.act(c, Action.ACCEPT, citizen(c), {"rating": 4, "comment": f"Terima kasih {HTML}"})
        self.main = c

        # No reply in the window: auto_close.
        c = self.assign(self.new())
        c = self.act(c, Action.RESPOND, self.staff(self.officer))
        complaint_transition(complaint=c, action=Action.AUTO_CLOSE, actor=SYSTEM,
                             now=self.at(self.clock(c, "reply_window").due_at))
        # Rejected as a duplicate, with a note; referred to an agency in Aduan and outside.
        self.act(self.new(), Action.REJECT, self.staff(w.coordinator),
                 {"reason": "duplicate", "duplicate_of": self.main.tracking_number,
                  "note": f"Lihat pengaduan sebelumnya {HTML}."})
        self.act(self.new(), Action.REFER, self.staff(w.coordinator),
                 {"service": w.other_service.code, "note": f"Parkir {HTML}"})
        self.act(self.new(), Action.REFER, self.staff(w.coordinator),
                 {"agency_name": "Kantor Imigrasi"})
        # Withdrawn by the citizen, and by the system when the information never came.
        c = self.assign(self.new())
        self.act(c, Action.WITHDRAW, citizen(c), {"reason": f"Sudah beres {HTML}"})
        c = self.assign(self.new())
        c = self.act(c, Action.REQUEST_INFO, self.staff(self.officer),
                     {"message": f"Mohon foto tiang {HTML}."})
        # Mail renders the complaint as it is when delivered: this reminder still finds the
        # request pending (the main story's was answered before the test renders it).
        info_wait = self.clock(c, "info_wait")
        assert clock_warn(info_wait.pk, now=self.at(info_wait.warn_at))
        complaint_transition(complaint=c, action=Action.WITHDRAW, actor=SYSTEM,
                             now=self.at(self.clock(c, "info_wait").due_at))


@pytest.fixture
def story(world, submit) -> Story:
    story = Story(world, submit)
    story.run()
    return story


def rendered(notification: Notification, language: str) -> tuple[str, str]:
    notification.language = language
    return render(notification)


def test_the_story_queues_every_template(story):
    assert set(Notification.objects.values_list("template", flat=True)) == set(TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_renders_in_both_languages(story, template):
    rows = list(Notification.objects.filter(template=template).select_related("event"))
    assert rows, f"nothing queued {template}"
    for row in rows:
        texts = {}
        number = Complaint.objects.get(pk=row.event.complaint_id).tracking_number
        for language in ("id", "en"):
            subject, body = rendered(row, language)
            assert subject and "\n" not in subject, subject
            assert f"[Aduan {number}]" in subject
            assert body.strip()
            text = f"{subject}\n{body}"
            assert "{{" not in text and "{%" not in text and "}}" not in text and "%}" not in text
            assert not any(e in text for e in ESCAPED), text
            assert "\n\n\n" not in text, text
            if template.startswith("citizen/"):
                assert f"/lacak/{number}/" in body
                for secret in (REPORTER, "siti@example.id", OFFICER, "budi@example.go.id",
                               "Budi", "second_officer", "officer@example.go.id"):
                    assert secret not in text, (template, language, secret)
            else:
                assert f"/staff/complaints/{number}/" in body
                assert REPORTER not in text
            texts[language] = text
        assert texts["id"] != texts["en"]
        assert texts["id"].splitlines()[0] != texts["en"].splitlines()[0]


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("citizen/submit", f"Lampu {HTML} mati."),
        ("staff/assign", f"Lampu {HTML} mati."),
        ("staff/reassign", f"Lampu {HTML} mati."),
        ("citizen/respond", f"Lampu sudah diganti {HTML}."),
        ("citizen/request_info", f"Mohon foto tiang {HTML}."),
        ("citizen/info_wait_reminder", f"Mohon foto tiang {HTML}."),
        ("citizen/extend", f"Suku cadang {HTML}"),
        ("staff/provide_info", f"Foto terlampir {HTML}."),
        ("staff/dispute", f"Masih mati {HTML}."),
        ("citizen/accept", f"Terima kasih {HTML}"),
        ("citizen/reject", f"Lihat pengaduan sebelumnya {HTML}."),
        ("citizen/refer", f"Parkir {HTML}"),
        ("citizen/withdraw", f"Sudah beres {HTML}"),
    ],
)
def test_user_text_appears_unescaped(story, template, fragment):
    rows = Notification.objects.filter(template=template).select_related("event")
    for language in ("id", "en"):
        bodies = [rendered(row, language)[1] for row in rows]
        assert any(fragment in body for body in bodies), (template, language, bodies)


def local(value: dt.datetime, language: str) -> str:
    """A deadline as the mails spell it, in the fixture agency's zone."""
    value = value.astimezone(ZoneInfo("Asia/Jakarta"))
    with translation.override(language):
        if language == "id":
            return f"{dateformat.format(value, 'l, j F Y')} pukul {value:%H.%M}"
        return dateformat.format(value, "l, j F Y, H:i")


def test_reminder_names_its_deadline_in_the_agency_zone_and_language(story):
    reminder = Notification.objects.get(template="citizen/reply_window_reminder")
    due = dt.datetime.fromisoformat(reminder.event.payload["due_at"])
    body_id, body_en = rendered(reminder, "id")[1], rendered(reminder, "en")[1]
    assert f"Jika Anda tidak menanggapi sampai {local(due, 'id')} (Asia/Jakarta)" in body_id
    assert f"If you do not reply by {local(due, 'en')} (Asia/Jakarta)" in body_en
    # Day and month names follow the language.
    due = due.astimezone(ZoneInfo("Asia/Jakarta"))
    with translation.override("id"):
        assert dateformat.format(due, "l") in body_id and dateformat.format(due, "F") in body_id
    with translation.override("en"):
        assert dateformat.format(due, "l") in body_en and dateformat.format(due, "F") in body_en
        assert dateformat.format(due, "l") not in body_id


def test_respond_names_the_reply_window_deadline(world, complaint_in):
    complaint = complaint_in("responded")
    row = Notification.objects.get(template="citizen/respond", event__complaint=complaint)
    due = complaint.clocks.get(name="reply_window").due_at
    body_id = rendered(row, "id")[1]
    body_en = rendered(row, "en")[1]
    assert f"Jika Anda tidak menanggapi sampai {local(due, 'id')} (Asia/Jakarta)" in body_id
    assert "ditutup otomatis" in body_id
    assert f"If you do not reply by {local(due, 'en')} (Asia/Jakarta)" in body_en


def test_request_info_names_the_info_wait_deadline(world, complaint_in):
    complaint = complaint_in("assigned")
    complaint = complaint_transition(
        complaint=complaint, action=Action.REQUEST_INFO, actor=Actor.staff(world.officer),
        payload=valid_payload(Action.REQUEST_INFO, world), now=MONDAY_9_WIB + HOUR)
    row = Notification.objects.get(template="citizen/request_info")
    due = complaint.clocks.get(name="info_wait").due_at
    body = rendered(row, "id")[1]
    assert "Mohon kirim nomor registrasi." in body
    assert f"paling lambat {local(due, 'id')} (Asia/Jakarta)" in body
    assert f"by {local(due, 'en')} (Asia/Jakarta)" in rendered(row, "en")[1]


def test_staff_clock_mails_name_the_deadline_from_the_event(story):
    for template in ("staff/warning", "staff/breach"):
        for row in Notification.objects.filter(template=template).select_related("event"):
            due = dt.datetime.fromisoformat(row.event.payload["due_at"])
            assert local(due, "id") in rendered(row, "id")[0] + rendered(row, "id")[1]
            assert local(due, "en") in rendered(row, "en")[1]


def test_mails_rendered_right_away_name_the_deadlines_the_event_set(world, complaint_in):
    complaint = complaint_in("assigned")
    first = complaint.clocks.get(name="first_response").due_at
    for template in ("citizen/assign", "staff/assign"):
        row = Notification.objects.get(template=template)
        assert f"{local(first, 'id')} (Asia/Jakarta)" in rendered(row, "id")[1], template
        assert f"{local(first, 'en')} (Asia/Jakarta)" in rendered(row, "en")[1], template

    complaint = complaint_transition(
        complaint=complaint, action=Action.EXTEND, actor=Actor.staff(world.supervisor),
        payload=valid_payload(Action.EXTEND, world), now=MONDAY_9_WIB + HOUR)
    extended = complaint.clocks.get(name="first_response").due_at
    assert extended > first
    row = Notification.objects.get(template="citizen/extend")
    body = rendered(row, "id")[1]
    assert "diperpanjang 3 hari kerja" in body
    assert f"Batas waktu yang baru adalah {local(extended, 'id')} (Asia/Jakarta)" in body
    assert "Menunggu pusat." in body
    body = rendered(row, "en")[1]
    assert f"extended by 3 working days. The new deadline is {local(extended, 'en')}" in body


def test_acknowledgement_names_the_verification_deadline(world, submit):
    complaint = submit().complaint
    due = complaint.clocks.get(name="verify").due_at
    row = Notification.objects.get(template="citizen/submit")
    assert f"verifikasi paling lambat {local(due, 'id')} (Asia/Jakarta)" in rendered(row, "id")[1]
    assert f"verify your complaint by {local(due, 'en')}" in rendered(row, "en")[1]


@pytest.mark.parametrize(
    ("reason", "indonesian", "english"),
    [
        ("spam", "tidak memenuhi ketentuan", "does not meet the rules"),
        ("out_of_scope", "di luar kewenangan Dinas Kependudukan",
         "outside the authority of Dinas Kependudukan"),
    ],
)
def test_rejection_tells_the_citizen_why(world, submit, reason, indonesian, english):
    complaint = submit().complaint
    complaint_transition(complaint=complaint, action=Action.REJECT,
                         actor=Actor.staff(world.coordinator), payload={"reason": reason},
                         now=MONDAY_9_WIB + HOUR)
    row = Notification.objects.get(template="citizen/reject")
    assert indonesian in rendered(row, "id")[1]
    assert english in rendered(row, "en")[1]
    assert "Keterangan" not in rendered(row, "id")[1]  # no note given, no empty heading


def test_unknown_language_falls_back_to_indonesian(world, submit):
    submit()
    row = Notification.objects.get(template="citizen/submit")
    assert rendered(row, "fr") == rendered(row, "id")
    assert "diterima" in rendered(row, "id")[0]
    assert "received" in rendered(row, "en")[0]


def test_deliver_pending_sends_the_acknowledgement_once(world, submit, mailoutbox):
    complaint = submit().complaint
    row = Notification.objects.get(event__complaint=complaint)
    assert (row.template, row.recipient, row.status) == (
        "citizen/submit", "siti@example.id", Notification.Status.PENDING)
    subject, body = render(row)

    later = MONDAY_9_WIB + dt.timedelta(minutes=1)
    assert deliver_pending(now=later) == {"sent": 1, "retry": 0, "dead": 0}
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["siti@example.id"]
    assert mail.subject == subject == (
        f"[Aduan {complaint.tracking_number}] Pengaduan Anda telah diterima")
    assert mail.body == body
    assert f"/lacak/{complaint.tracking_number}/" in mail.body
    assert REPORTER not in mail.body
    row.refresh_from_db()
    assert (row.status, row.sent_at, row.attempts) == (Notification.Status.SENT, later, 1)

    assert deliver_pending(now=later + HOUR) == {"sent": 0, "retry": 0, "dead": 0}
    assert len(mailoutbox) == 1
