"""The benchmark's generated lives (bench/simulate.py): every one over by the anchor, and
complaints closing on every day up to it, as where a service runs, not only long ago."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from bench import simulate as sim
from bench.generate import create_reference

pytestmark = pytest.mark.django_db

ANCHOR = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def test_closed_lives_end_by_the_anchor_and_close_up_to_it() -> None:
    world = create_reference(7, ANCHOR, open_fraction=0.0)
    rng = random.Random(7)
    closed_at = []
    for cid in range(1, 3001):
        place = world.places[cid % len(world.places)]
        path = sim.choose_path(rng, world.open_fraction)
        life = sim.lived(cid, world, place, rng.choice(place.services), rng, path, None)
        assert life.state == "closed"
        assert max(event[0] for event in life.events) <= ANCHOR
        closed_at.append(life.fields["closed_at"])
    # Two years of closures at an even pace would put 30/730 of them in the last 30 days,
    # and as many in each earlier month.
    last_month = sum(ANCHOR - at <= 30 * sim.DAY for at in closed_at)
    a_year_ago = sum(365 * sim.DAY < ANCHOR - at <= 395 * sim.DAY for at in closed_at)
    even = len(closed_at) * 30 / 730
    assert last_month >= 0.6 * even, (last_month, even)
    assert last_month >= 0.6 * a_year_ago, (last_month, a_year_ago)
