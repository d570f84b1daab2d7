"""URLconf of the bare baseline: ``POST /bare/`` inserts one row (the raw body) and answers a small JSON.

The table ``bench_bare_row`` is created by ``bench/webhooks.py`` before the server starts. The view is
a plain synchronous Django view, like the webhook views, so both go through the same server, the same
middleware and the same database connection handling; only the work inside the view differs.
``POST /noop/`` answers the same JSON without touching the database: the cost of server and framework.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

BARE_TABLE = "bench_bare_row"


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_TABLE} (body) VALUES (%s)", [request.body.decode("utf-8", "replace")])  # noqa: S608
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_POST
def noop(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bare/", bare_insert), path("noop/", noop)]
