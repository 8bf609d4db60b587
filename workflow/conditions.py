"""django-fsm conditions: state-level rules that do not depend on who acts.

Time-dependent ones judge at `complaint.as_of`, the instant the workflow service is acting at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow.states import ClockName

if TYPE_CHECKING:
    from complaints.models import Complaint


def has_pending_info_request(complaint: Complaint) -> bool:
    return bool(complaint.pending_info_request)


def no_pending_info_request(complaint: Complaint) -> bool:
    return not complaint.pending_info_request


def reply_window_open(complaint: Complaint) -> bool:
    clock = complaint.open_clock(ClockName.REPLY_WINDOW)
    return clock is None or complaint.as_of <= clock.due_at


def reply_window_expired(complaint: Complaint) -> bool:
    clock = complaint.open_clock(ClockName.REPLY_WINDOW)
    return clock is not None and complaint.as_of > clock.due_at
