"""Every operation of the REST API's own OpenAPI schema, fuzzed by schemathesis in process,
as an anonymous caller (sometimes a citizen with a real access token), a coordinator and
the ombudsman. See docs/fuzzing.md."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import CURRENT, PERSONAS, FuzzData
from tests.fuzz.schema import EXAMPLES, SEED, schema


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half of the generated tracking numbers are replaced by real ones."""
    if not path_parameters or "tracking_number" not in path_parameters \
            or not CURRENT.tracking_numbers:
        return st.just(path_parameters)
    return st.one_of(
        st.sampled_from(CURRENT.tracking_numbers).map(
            lambda number: {**path_parameters, "tracking_number": number}),
        st.just(path_parameters),
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Submissions name a real service half of the time, so some get past validation."""
    if not isinstance(body, dict) or "service" not in body or not CURRENT.service_codes:
        return st.just(body)
    return st.one_of(st.sampled_from(CURRENT.service_codes).map(
        lambda code: {**body, "service": code}), st.just(body))


@schema.hook
def flatmap_case(context: Any, case: Any) -> Any:
    """A request on a real complaint carries its citizen's access token half of the time,
    and a transition carries a valid payload for its action half of the time, so that some
    get past validation and move complaints on through the workflow."""
    number = (case.path_parameters or {}).get("tracking_number")
    token = CURRENT.access_tokens.get(number) if isinstance(number, str) else None
    action = (case.path_parameters or {}).get("action")
    payload = CURRENT.payloads.get(action) if isinstance(action, str) else None

    def steered(give_token: bool, give_payload: bool) -> Any:
        if token is not None and give_token:
            case.headers = {**(case.headers or {}), "X-Access-Token": token}
        if payload is not None and give_payload and isinstance(case.body, dict):
            case.body = dict(payload)
        return case

    return st.tuples(st.booleans(), st.booleans()).map(lambda choice: steered(*choice))


def headers_for(persona: str, data: FuzzData) -> dict[str, str]:
    # Plain bodies: the WSGI transport does not undo gzip as an HTTP client does
    # (tests/deploy/test_compression.py covers the compressing).
    plain = {"Accept-Encoding": "identity"}
    if persona == "anonymous":
        return plain
    return {**plain, "Authorization": data.authorization[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
@schema.parametrize()
# The fixture's records are meant to persist across examples: later requests find what
# earlier ones changed, as on a real server.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_schema(case: Any, persona: str, fuzz_data: FuzzData) -> None:
    try:
        case.call_and_validate(headers=headers_for(persona, fuzz_data))
    except Exception as failure:
        failure.add_note(f"Run again with FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}.")
        raise

