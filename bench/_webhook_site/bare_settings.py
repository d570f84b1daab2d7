"""Settings of the bare baseline of ``bench/webhooks.py``: the product's settings, another URLconf.

Everything (middleware, database, CONN_MAX_AGE, logging) is the product's; only ``ROOT_URLCONF`` points at
``bench/_webhook_site/bare_urls.py``, whose one view inserts one row. Used only by the benchmark's server.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench._webhook_site.bare_urls"
