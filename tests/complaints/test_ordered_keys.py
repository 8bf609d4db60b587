"""The staff queue's keys and count (selectors.OrderedKeys): one compiled condition read by
two statements must count and order exactly as the ORM's queryset does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.paginator import Paginator

from complaints.models import NO_DEADLINE, Complaint
from complaints.selectors import URGENCY, OrderedKeys, complaints_visible_to, narrow
from complaints.forms.staff import QUEUE_ORDER
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.services import complaint_transition
from workflow.states import Action, Role, State


@pytest.fixture
def queue(world, complaint_in):
    """Complaints in every state, received a day apart, some on the same instant; some
    open ones waiting for the citizen's information, with no deadline running, made
    between closed ones: in the urgency order they share the last place with the closed
    ones and go by key among them."""
    for day, state in enumerate([*State, *State, State.ASSIGNED, State.CLOSED,
                                 State.ASSIGNED, State.CLOSED]):
        complaint = complaint_in(state, now=MONDAY_9_WIB + dt.timedelta(days=day % 5))
        if day >= 2 * len(State) and state == State.ASSIGNED:
            complaint_transition(complaint=complaint, action=Action.REQUEST_INFO,
                                 actor=world.actor(Role.OFFICER, complaint),
                                 payload=valid_payload(Action.REQUEST_INFO, world),
                                 now=MONDAY_9_WIB + dt.timedelta(days=5))
    scope = complaints_visible_to(world.actor(Role.COORDINATOR))
    waiting = scope.filter(state=State.ASSIGNED, next_due=NO_DEADLINE)
    assert waiting.count() == 2 and scope.filter(next_due=NO_DEADLINE).count() == 6
    return scope


@pytest.mark.parametrize("order", QUEUE_ORDER)
@pytest.mark.parametrize("states", [[State.RECEIVED], [State.ASSIGNED, State.RESPONDED], []])
def test_count_and_pages_as_the_orm_has_them(queue, order, states):
    chosen = queue.filter(state__in=states) if states else queue
    ordering = QUEUE_ORDER[order]
    expected = list(narrow(chosen).order_by(*ordering).values_list("id", flat=True))
    keys = OrderedKeys(chosen, ordering, limit=1000)
    assert keys.count() == len(expected) == chosen.count() and not keys.more
    for size in (1, 3, 50):
        pages = Paginator(keys, size)
        assert [key for number in pages.page_range for key in pages.page(number)] == expected
    assert keys[2:2] == [] and keys[len(expected):len(expected) + 5] == []


def test_nothing_to_choose_from(world, queue):
    for nothing in (queue.filter(state="nope"), Complaint.objects.none()):
        keys = OrderedKeys(nothing, QUEUE_ORDER["urgency"], limit=1000)
        assert keys.count() == 0 and keys[0:50] == []
        page = Paginator(keys, 50).get_page(3)
        assert page.number == 1 and list(page) == []


@pytest.mark.parametrize("order", QUEUE_ORDER)
def test_counted_and_listed_up_to_the_limit(queue, order):
    ordering = QUEUE_ORDER[order]
    expected = list(narrow(queue).order_by(*ordering).values_list("id", flat=True))
    assert len(expected) > 7
    for limit in (7, len(expected) - 1):
        keys = OrderedKeys(queue, ordering, limit=limit)
        pages = Paginator(keys, 3)
        assert pages.count == limit and keys.more
        assert [key for number in pages.page_range for key in pages.page(number)] \
            == expected[:limit]
    exactly = OrderedKeys(queue, ordering, limit=len(expected))
    assert exactly.count() == len(expected) and not exactly.more


# The API's orderings, each either way (going back, its list reads the reverse order).
CURSOR_ORDERS = [URGENCY, ("-next_due", "-id"), ("received_at", "id"),
                 ("-received_at", "-id"), ("updated_at", "id"), ("-updated_at", "-id"),
                 ("id",), ("-id",)]


@pytest.mark.parametrize("ordering", CURSOR_ORDERS)
@pytest.mark.parametrize("states", [[State.RECEIVED, State.ASSIGNED], []])
def test_the_complaints_after_each_one_as_the_orm_has_them(queue, states, ordering,
                                                         django_assert_num_queries):
    """`after`, the API's cursor: from every complaint's value and key, the next ones in
    the order, past the complaints that share a value (in the urgency order across both
    parts), each with its value."""
    # Half changed last at one instant, as the received ones are received (`queue`).
    ids = list(queue.values_list("id", flat=True))
    Complaint.objects.filter(pk__in=ids[::2]).update(updated_at=MONDAY_9_WIB)
    chosen = queue.filter(state__in=states) if states else queue
    first = ordering[0].lstrip("-")
    expected = list(narrow(chosen).order_by(*ordering).values_list("id", first))
    assert len({value for _, value in expected}) < len(expected) or first == "id"
    keys = OrderedKeys(chosen, ordering)
    for size in (1, 3, len(expected) + 1):
        with django_assert_num_queries(1):
            assert keys.after(None, size) == expected[:size]
        for at, (key, value) in enumerate(expected):
            position = (None if first == "id" else value, key)
            assert keys.after(position, size) == expected[at + 1:at + 1 + size]
