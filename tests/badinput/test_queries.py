"""Query strings: page sizes, unknown and injected filters and orderings, malformed cursors
(the list's and the change feed's), bytes that are not UTF-8, NUL, instants out of range.

Reads change nothing, but each bad one is still checked against the stored snapshot; the
many values of one kind share a test (and its fixtures) to keep the suite quick."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest

from api.views import ComplaintPagination
from tests.badinput.conftest import Stored, assert_error, stored_in
from workflow.states import State

LIST = "/api/v1/complaints/"
FEED = "/api/v1/exports/events.jsonl"
EXPORTS = ["/api/v1/exports/complaints.csv", "/api/v1/exports/complaints.jsonl"]
STATS = "/api/v1/stats/"


@pytest.fixture
def other_agency(world, submit) -> Stored:
    """A complaint the coordinator may not see (another agency's)."""
    return stored_in(world, submit, State.RECEIVED, service=world.other_service)


def numbers(response) -> list[str]:
    return [c["tracking_number"] for c in response.json()["results"]]


def cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def refused(client, url: str, params: dict | str, status: int, code: str) -> dict:
    response = client.get(url if isinstance(params, dict) else f"{url}?{params}",
                          params if isinstance(params, dict) else None)
    try:
        return assert_error(response, status, code)
    except AssertionError as failure:
        raise AssertionError(f"{url} {params!r}: {failure}") from None


class TestPageSize:
    def test_huge_page_size_is_capped(self, world, submit, as_persona, monkeypatch):
        monkeypatch.setattr(ComplaintPagination, "max_page_size", 2)
        for _ in range(3):
            stored_in(world, submit, State.RECEIVED)
        client = as_persona("ombudsman")
        for size in ["3", "201", "99999999999999999999999", str(2**63)]:
            response = client.get(LIST, {"page_size": size})
            assert response.status_code == 200, size
            assert len(numbers(response)) == 2 and response.json()["next"], size

    def test_unusable_page_size_means_the_default(self, stored, as_persona):
        client = as_persona("ombudsman")
        for size in ["0", "-1", "abc", "1e3", "", "\u0661", "\x00"]:
            response = client.get(LIST, {"page_size": size})
            assert response.status_code == 200, size
            assert numbers(response) == [stored.number], size


class TestUnknownAndInjectedParameters:
    def test_unknown_parameters_are_ignored_and_never_widen_the_scope(
            self, stored, other_agency, as_persona):
        client = as_persona("coordinator")
        for params in [
            {"password": "x"}, {"agency__path__startswith": ""}, {"scope": "all"},
            {"tracking_number__regex": ".*"}, {"access_token_hash": "0"},
            {"visibility__in": "confidential"}, {"user": "administrator"},
            {"limit": "1000000"}, {"offset": "-1"},
        ]:
            response = client.get(LIST, params)
            assert response.status_code == 200, params
            assert numbers(response) == [stored.number], params

    def test_asking_for_a_format_we_do_not_render_is_404(self, stored, as_persona):
        # DRF's `format` override: only JSON is rendered here.
        client = as_persona("ombudsman")
        with stored.unchanged():
            for fmt in ["xml", "html", "api", "../../etc/passwd"]:
                refused(client, LIST, {"format": fmt}, 404, "not_found")

    def test_ordering_by_anything_undocumented_is_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for ordering in [
                "-password", "password", "agency__path", "-access_token_hash", "reporter__email",
                "next_due,assignee__password", "received_at,", "?", "id;DROP TABLE x", "-",
                "--id", "received_at desc",
            ]:
                error = refused(client, LIST, {"ordering": ordering}, 400,
                                "invalid_input")
                assert list(error["details"]["errors"]) == ["ordering"]

    def test_documented_orderings_work(self, stored, as_persona):
        client = as_persona("ombudsman")
        for ordering in ["next_due", "-received_at", "updated_at,-id", ""]:
            response = client.get(LIST, {"ordering": ordering})
            assert response.status_code == 200 and numbers(response) == [stored.number]

    def test_injected_filter_values_are_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for name, value in [
                ("state", "'; DROP TABLE complaints_complaint; --"),
                ("state", "received' OR '1'='1"), ("channel", "web\x00"),
                ("visibility", "public) OR (1=1"), ("sla_status", "%"),
                ("sla_clock", "verify; --"), ("service", "ktp-el' --"), ("classification", "*"),
                ("received_after", "2026-01-01' OR 1=1 --"), ("q", "\x00"), ("agency", "\x00"),
                ("assignee", "\x00"), ("unit", "a\x00b"), ("closure_reason", "resolved\n"),
            ]:
                error = refused(client, LIST, {name: value}, 400, "invalid_input")
                assert list(error["details"]["errors"]) == [name]

    def test_search_text_is_only_text(self, stored, as_persona):
        client = as_persona("ombudsman")
        for q in ["' OR 1=1 --", "%", "_", "\\", "%' AND '1'='1", "KTP%", ".*",
                  "a" * 10_000, "<script>alert(1)</script>"]:
            response = client.get(LIST, {"q": q})
            assert response.status_code == 200 and numbers(response) == [], q

    def test_agency_filter_never_widens_the_scope(self, stored, other_agency, as_persona):
        client = as_persona("coordinator")
        for agency in ["dishub", "'; --", "disdukcapil%", ""]:
            response = client.get(LIST, {"agency": agency})
            expected = [stored.number] if agency == "" else []
            assert response.status_code == 200 and numbers(response) == expected, agency


INSTANTS = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "99999-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z", "2026-01-01T25:00:00Z", "2026-01-01T00:00:00+25:00"]
# Offsets Python takes and PostgreSQL refuses (past ±15:59): they were a 500 there.
WIDE_OFFSETS = ["2000-01-02T00:00:00-17:00", "0603-11-28T17:40:37-20:41",
                "2026-01-01T00:00:00+23:59"]


class TestInstantsOutOfRange:
    """An instant before year 1 or after 9999 in UTC passed the filter's validation and
    overflowed in the database layer: a 500."""

    def test_in_the_list_is_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for name in ["received_after", "received_before", "updated_after", "updated_before",
                         "updated_since"]:
                for value in INSTANTS:
                    error = refused(client, LIST, {name: value}, 400, "invalid_input")
                    assert list(error["details"]["errors"]) == [name]

    def test_offsets_past_what_postgresql_takes_work(self, stored, as_persona):
        client = as_persona("ombudsman")
        for name in ["received_after", "updated_before", "updated_since"]:
            for value in WIDE_OFFSETS:
                response = client.get(LIST, {name: value})
                assert response.status_code == 200, (name, value, response.content[:200])
            for url in EXPORTS:
                assert client.get(url, {name: WIDE_OFFSETS[0]}).status_code == 200

    def test_in_the_exports_is_400_before_any_byte(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for url in EXPORTS:
                for value in INSTANTS[:2]:
                    refused(client, url, {"updated_since": value}, 400, "invalid_input")

    def test_in_the_statistics_is_400(self, stored, api):
        # The first and last days of the calendar were a 500: their local midnights are
        # out of range in UTC (found by the long fuzzing run).
        with stored.unchanged():
            for name in ["received_after", "received_before"]:
                for value in ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+05:00",
                              "99999-01-01", "x", "2026-02-30"]:
                    error = refused(api, STATS, {name: value}, 400, "invalid_input")
                    assert list(error["details"]["errors"]) == [name]

    def test_in_the_statistics_the_nearly_first_and_last_days_work(self, stored, api):
        response = api.get(STATS, {"received_after": "0001-01-02",
                                   "received_before": "9999-12-30"})
        assert response.status_code == 200


class TestMalformedListCursor:
    """DRF answered a cursor it cannot decode with a 404; one it can decode went into the
    query as it was, so a forged position was a 500."""

    def test_forged_cursor_is_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for ordering in [None, "received_at", "-updated_at", "id", "next_due"]:
                for raw in [
                    "p=garbage", "p=2026-13-45 00:00:00+00:00", "p=2026-02-02 00:00:00",
                    "p=0001-01-01 00:00:00+05:00", "p=" + "9" * 40, "p=1e309", "r=1&p=\x00",
                    "p=" + "9" * 5000, "p=-1", "o=-5", "o=x", "r=x",
                ]:
                    params = {"cursor": cursor(raw)}
                    if ordering:
                        params["ordering"] = ordering
                    refused(client, LIST, params, 400, "invalid_cursor")

    def test_cursor_with_a_wide_offset_is_a_page(self, stored, as_persona):
        # A position PostgreSQL would refuse as sent (`-17:00`) is read in UTC.
        client = as_persona("ombudsman")
        for ordering in ["received_at", "-updated_at", "next_due", "-next_due"]:
            for raw in ["p=2000-01-02 00:00:00-17:00|1", "r=1&p=2999-01-01 00:00:00%2B20:41|1",
                        "p=9999-12-31 00:00:00%2B00:00|1"]:
                response = client.get(LIST, {"cursor": cursor(raw), "ordering": ordering})
                assert response.status_code == 200, (ordering, raw, response.content[:200])

    def test_undecodable_cursor_is_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for value in ["not base64!", "\u00e9", "A", cursor("\u00e9")]:
                refused(client, LIST, {"cursor": value}, 400, "invalid_cursor")

    def test_cursor_that_decodes_to_nothing_harmful_is_a_page(self, stored, as_persona):
        # DRF's base64 is lenient and it caps the offset: these are the first page, or one
        # past the end; nothing of them reaches the query.
        client = as_persona("ombudsman")
        for value in ["==", "%%%", "A" * 5000, cursor("o=99999999999")]:
            response = client.get(LIST, {"cursor": value})
            assert response.status_code == 200, value
            assert numbers(response) in ([stored.number], []), value

    def test_cursors_the_list_gives_still_work(self, world, submit, as_persona):
        created = {stored_in(world, submit, State.RECEIVED).number for _ in range(3)}
        client = as_persona("ombudsman")
        for ordering in (None, "received_at", "-updated_at", "id"):
            seen, url = [], LIST + "?" + urlencode({"page_size": 1, **(
                {"ordering": ordering} if ordering else {})})
            while url:
                page = client.get(url)
                assert page.status_code == 200, page.content
                seen += numbers(page)
                url = page.json()["next"]
            assert sorted(seen) == sorted(created), ordering


class TestMalformedFeedCursor:
    def test_is_400_invalid_cursor(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for after in [
                "x", "1", "1-", "-1", "1-1-1", "01-1", "1-01", "+1-1", "1 - 1", "1-1\n",
                "99999999999999999999-1", "9223372036854775808-0", "0-9223372036854775808",
                "\u0661-\u0661", "0x1-0x1", cursor("p=1"),
            ]:
                refused(client, FEED, {"after": after}, 400, "invalid_cursor")

    def test_bad_limit_is_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for limit in ["0", "-1", "10001", "99999999999999999999", "1.5", "x", "\x00"]:
                error = refused(client, FEED, {"limit": limit}, 400, "invalid_input")
                assert list(error["details"]["errors"]) == ["limit"]


class TestInvalidUTF8InQueryStrings:
    """Django decodes a query string with replacement characters; the API refuses it."""

    def test_list_is_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for query in ["q=%ff%fe", "state=%c3%28", "agency=%ed%a0%80", "cursor=%80", "%ff=1",
                          "q=ok&q=%fe"]:
                refused(client, LIST, query, 400, "malformed_request")

    def test_exports_feed_and_statistics_are_400(self, stored, as_persona):
        client = as_persona("ombudsman")
        with stored.unchanged():
            for url in [*EXPORTS, FEED, STATS]:
                refused(client, url, "service=%ff&after=%fe", 400, "malformed_request")

    def test_utf8_text_is_fine(self, stored, as_persona):
        response = as_persona("ombudsman").get(f"{LIST}?q=%E2%80%9Cpelayanan%E2%80%9D")
        assert response.status_code == 200
