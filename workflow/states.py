"""The vocabulary of the complaint workflow: states, actions, closure reasons and roles.

These are owned by the workflow; every other module imports them from here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    RESPONDED = "responded", _("Responded")
    CLOSED = "closed", _("Closed")


class Action(models.TextChoices):
    ASSIGN = "assign", _("Assign")
    REASSIGN = "reassign", _("Reassign")
    REQUEST_INFO = "request_info", _("Request information")
    PROVIDE_INFO = "provide_info", _("Provide information")
    EXTEND = "extend", _("Extend a deadline")
    RESPOND = "respond", _("Respond")
    DISPUTE = "dispute", _("Dispute the response")
    ACCEPT = "accept", _("Accept the response")
    AUTO_CLOSE = "auto_close", _("Close after no reply")
    REJECT = "reject", _("Reject")
    REFER = "refer", _("Refer to another agency")
    WITHDRAW = "withdraw", _("Withdraw")


# What an audit event can record: every action, and what happens around them.
EVENT_ACTIONS = {
    "submit": _("Submitted"),
    "identity_viewed": _("Reporter identity viewed"),
    "clock_warning": _("Deadline warning"),
    "clock_breached": _("Deadline breached"),
    **{a.value: a.label for a in Action},
}


class ClosureReason(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    NO_REPLY = "no_reply", _("No reply from the citizen")
    REJECTED = "rejected", _("Rejected")
    REFERRED = "referred", _("Referred")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RejectionReason(models.TextChoices):
    SPAM = "spam", _("Spam or abusive")
    DUPLICATE = "duplicate", _("Duplicate of another complaint")
    OUT_OF_SCOPE = "out_of_scope", _("Outside this agency's authority")


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    COORDINATOR = "coordinator", _("Coordinator")
    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    OMBUDSMAN = "ombudsman", _("Ombudsman")
    ADMINISTRATOR = "administrator", _("Administrator")
    SYSTEM = "system", _("System")


# Roles a user can be given through a membership; citizen and system are never memberships.
STAFF_ROLES = (Role.COORDINATOR, Role.OFFICER, Role.SUPERVISOR, Role.OMBUDSMAN, Role.ADMINISTRATOR)


class ClockName(models.TextChoices):
    VERIFY = "verify", _("Verification")
    FIRST_RESPONSE = "first_response", _("First response")
    STATUTORY_ANSWER = "statutory_answer", _("Statutory answer")
    RESOLUTION = "resolution", _("Resolution")
    INFO_WAIT = "info_wait", _("Waiting for information")
    REPLY_WINDOW = "reply_window", _("Reply window")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_HOURS = "working_hours", _("working hours")
    HOURS = "hours", _("hours")


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    AT_RISK = "at_risk", _("At risk")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


# Clocks that wait on the citizen: their warnings go to the citizen, their expiry is a
# transition (withdraw, auto_close), and they never count against the agency.
CITIZEN_CLOCKS = frozenset({ClockName.INFO_WAIT, ClockName.REPLY_WINDOW})
