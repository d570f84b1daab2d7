"""Settings of the test run: the product's (config/settings.py), with each parallel worker on its own Redis.

``make test`` runs the suite in two pytest-xdist workers. pytest-django already gives each worker a database of
its own (``test_<name>_gw0``); Redis is shared, so each worker takes a Redis database of its own here: its cache,
its Celery queues and (through the channel layer's prefix, config/settings.py) its live events. Ids repeat across
the workers' databases, so without this one worker's socket would hear the other's "panel.user.5".

``REDIS_URL`` is changed in the environment, before the product's settings read it, so the processes a test
starts (a Celery worker, uvicorn) use the same database.
"""

import os
from urllib.parse import urlsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
# Once per worker: a process a test starts inherits both the changed URL and the marker.
if _worker.startswith("gw") and os.environ.get("REDIS_URL") and os.environ.get("TESTS_REDIS_WORKER") != _worker:
    os.environ["TESTS_REDIS_WORKER"] = _worker
    _parts = urlsplit(os.environ["REDIS_URL"])
    _database = int(_parts.path.strip("/") or 0)
    # Redis has databases 0-15 by default: the first worker keeps the given one, the next ones count down.
    os.environ["REDIS_URL"] = _parts._replace(path=f"/{(_database - int(_worker[2:])) % 16}").geturl()

from config.settings import *  # noqa: E402, F403 - the product's settings, unchanged otherwise
