"""The REST API's OpenAPI schema as the fuzzer sees it: read from /api/schema/ through the
WSGI application, with the run's size set by FUZZ_EXAMPLES (docs/fuzzing.md)."""

from __future__ import annotations

import os
import random

import schemathesis

from config.wsgi import application

# Examples per operation and persona, positive and negative together. The bounded
# run in `make test` keeps the default and a fixed seed, so it is the same every time;
# `make fuzz` raises it, which also turns on schemathesis's coverage phase (boundary values
# of every parameter) and a new seed per run unless FUZZ_SEED repeats one (a failure says
# which it was).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
LONG_RUN = EXAMPLES > 50
SEED = int(os.environ.get("FUZZ_SEED") or (random.randrange(2**32) if LONG_RUN else 20260202))

CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {
        "mode": "all", "max-examples": EXAMPLES, "deterministic": not LONG_RUN,
        "database": "none", "with-security-parameters": False,
    },
    "phases": {"coverage": {"enabled": LONG_RUN}, "stateful": {"enabled": False}},
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
    },
})

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
