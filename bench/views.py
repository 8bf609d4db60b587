"""Baselines: the least a Django view can do for the same answer.

Each runs through the same middleware as the application's views, executes one indexed
statement with a raw cursor and returns the rows as JSON, without DRF, the ORM, templates,
authentication or scoping. The application is measured as a multiple of these.
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bench.queries import LIST_SHAPES, ONE_ROW, insert_row


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def baseline_list(request: HttpRequest, shape: str) -> JsonResponse:
    """The 50 rows of a queue, by the index the queue's filter uses (bench.queries)."""
    sql, parameters = LIST_SHAPES[shape]
    params = [request.GET.getlist(p) if p.endswith("[]") else request.GET[p]
              for p in parameters]
    return JsonResponse({"results": _rows(sql, params)})


def baseline_one(request: HttpRequest, tracking_number: str) -> JsonResponse:
    rows = _rows(ONE_ROW, [tracking_number])
    return JsonResponse(rows[0] if rows else {}, status=200 if rows else 404)


@csrf_exempt
def baseline_insert(request: HttpRequest) -> HttpResponse:
    """One INSERT of the request body, committed (autocommit), answered with its id."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(insert_row(), [json.dumps(body)])
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk}, status=201)
