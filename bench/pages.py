"""Every page and endpoint a national installation's people open, each timed in process
(`django.test.Client`, the production settings of bench/settings.py) on the generated data:
the citizen's pages and the public API, Open311, each staff role's queues with the filters
and the search they use, the dashboard, the API lists an ombudsman pulls, and the admin's
lists. The median of `repeats` requests after one warm-up, the statements of one, and the
bytes sent to a client that does not take gzip and to one that does, each with the shared
cache emptied first: what a page costs when its figures are not kept
(the dashboard keeps them a minute per scope).

Reported with no target: the issue holds the queues and the detail to the 3× target
(`latency`), the public statistics are measured cold (`statistics`); this answers what an
operator sizing a province asks next, and is where a page that does not scale shows up
(docs/performance.md, finding 15). A page that answers other than expected is an error.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.measure import BenchError, Result, median
from complaints.models import Complaint, Membership, Visibility

OPEN = "state=received&state=assigned&state=responded"
# (who, path); {…} from `places` below. Every one answers 200.
PAGES: tuple[tuple[str, str], ...] = (
    ("anonymous", "/"),
    ("anonymous", "/ajukan/"),
    ("anonymous", "/lacak/{public}/"),
    ("anonymous", "/api/v1/services/"),
    ("anonymous", "/open311/v2/services.json"),
    ("anonymous", "/open311/v2/services/{service}.json"),
    ("anonymous", "/open311/v2/requests.json"),
    ("anonymous", "/open311/v2/requests.json?status=open"),
    ("anonymous", "/open311/v2/requests.json?service_code={service}"),
    ("anonymous", "/open311/v2/requests/{public}.json"),
    ("officer", "/staff/?tab=mine"),
    ("officer", "/staff/?tab=unit"),
    ("officer", "/staff/?tab=all"),
    ("officer", "/staff/?tab=all&q=merdeka"),
    ("officer", "/staff/?tab=all&q=jalan"),
    ("officer", "/staff/?tab=all&sla_status=breached"),
    ("officer", "/staff/complaints/{detail}/"),
    ("officer", "/staff/catat/"),
    ("officer", "/staff/dasbor/"),
    ("coordinator", "/staff/?tab=new"),
    ("coordinator", "/staff/?tab=all"),
    ("coordinator", "/staff/?tab=all&state=closed&order=newest"),
    ("coordinator", "/staff/?tab=all&q=merdeka"),
    ("coordinator", "/staff/?tab=all&q=jalan"),
    ("coordinator", "/staff/?tab=all&sla_status=breached"),
    ("coordinator", "/staff/dasbor/"),
    # Where the dashboard's headlines lead: the open complaints at risk, and breached.
    ("coordinator", "/staff/?" + OPEN + "&sla_status=at_risk"),
    ("coordinator", "/staff/?" + OPEN + "&sla_status=breached"),
    ("supervisor", "/staff/?tab=risk"),
    ("supervisor", "/staff/dasbor/"),
    ("ombudsman", "/staff/?tab=all"),
    ("ombudsman", "/staff/?tab=all&page=200"),  # the last a queue lists (QUEUE_LIMIT)
    ("ombudsman", "/staff/?tab=all&q=merdeka"),
    ("ombudsman", "/staff/?tab=all&sla_status=breached"),
    # Urgency order, filtered to the complaints without a deadline (finding 49).
    ("ombudsman", "/staff/?tab=all&state=closed"),
    ("officer", "/staff/?tab=all&state=closed"),
    ("ombudsman", "/staff/dasbor/"),
    ("ombudsman", "/api/v1/complaints/"),
    ("ombudsman", "/api/v1/complaints/?ordering=-updated_at&state=closed"),
    ("ombudsman", "/api/v1/complaints/?q=merdeka"),
    ("ombudsman", "/api/v1/complaints/?sla_status=breached"),
    ("ombudsman", "/api/v1/complaints/?service={service}"),
    ("ombudsman", "/api/v1/complaints/{detail}/events/"),
    ("ombudsman", "/api/v1/complaints/{detail}/events/verify/"),
    ("administrator", "/admin/"),
    ("administrator", "/admin/complaints/complaint/"),
    ("administrator", "/admin/complaints/complaint/?q={detail}"),
    ("administrator", "/admin/complaints/complaint/?state__exact=closed"),
    ("administrator", "/admin/workflow/event/"),
    ("administrator", "/admin/workflow/clock/"),
)
# (who, path, pages): the API list's page reached by following `next` that many times, in
# the part with a deadline and, newest deadline first, among those without one.
FOLLOWED: tuple[tuple[str, str, int], ...] = (
    ("ombudsman", "/api/v1/complaints/", 40),
    ("officer", "/api/v1/complaints/", 40),
    ("ombudsman", "/api/v1/complaints/?ordering=-next_due", 40),
)


def clients(people: dict[str, Any]) -> dict[str, Client]:
    """A signed-in client for each kind of person (the agency's first supervisor)."""
    agency = people["agency"]
    supervisor = (Membership.objects.filter(role="supervisor", agency__parent=agency)
                  .order_by("user_id").first())
    administrator = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if supervisor is None or administrator is None:
        raise BenchError("no supervisor or administrator in the generated data")
    signed_in = {"anonymous": Client()}
    for who, user in (("officer", people["officer"]), ("coordinator", people["coordinator"]),
                      ("supervisor", supervisor.user), ("ombudsman", people["ombudsman"]),
                      ("administrator", administrator)):
        signed_in[who] = Client()
        signed_in[who].force_login(user)
    return signed_in


def places(people: dict[str, Any]) -> dict[str, str]:
    public = (Complaint.objects.filter(agency=people["agency"], visibility=Visibility.PUBLIC)
              .order_by("-id").values_list("tracking_number", flat=True).first())
    return {"public": public, "detail": people["detail"], "service": people["services"][0]}


def cold(client: Client, path: str, **headers: str) -> Any:
    cache.clear()
    return client.get(path, **headers)


def followed(client: Client, path: str, pages: int) -> tuple[str, int]:
    """The link up to `pages` pages on from `path`, following `next`, and its page number:
    a small scope ends sooner."""
    link, number = path, 1
    while number <= pages:
        following = client.get(link).json()["next"]
        if following is None:
            break
        link, number = following, number + 1
    return link, number


def survey(people: dict[str, Any], repeats: int) -> list[Result]:
    signed_in, named = clients(people), places(people)
    visits = [(who, f"page: {who} {path}", path)
              for who, path in ((who, template.format(**named)) for who, template in PAGES)]
    for who, path, pages in FOLLOWED:
        link, number = followed(signed_in[who], path, pages)
        visits.append((who, f"page: {who} {path} (page {number}, following next)", link))
    results = []
    for who, name, path in visits:
        client = signed_in[who]
        status = cold(client, path).status_code
        if status != 200:
            results.append(Result(name, None, None, "ms", None, "answers 200", False,
                                  error=f"HTTP {status}"))
            continue
        with CaptureQueriesContext(connection) as queries:
            cold(client, path)
        statements = len(queries)  # now: the next request clears the connection's log
        times = []
        for _ in range(repeats):
            cache.clear()
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        size, zipped = (len(cold(client, path, **headers).content)
                        for headers in ({}, {"HTTP_ACCEPT_ENCODING": "gzip"}))
        results.append(Result(
            name, median(times), None, "ms", None,
            f"reported ({statements} statements, {size / 1024:,.1f} KB, "
            f"{zipped / 1024:,.1f} KB gzipped)", None,
            details={"queries": statements, "runs_ms": times, "bytes": size,
                     "gzip_bytes": zipped}))
    return results

