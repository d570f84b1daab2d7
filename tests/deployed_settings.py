"""The product's settings as a deployment with a given environment gets them: read in a fresh interpreter, since
config/settings.py reads the environment once, when it is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from django.conf import settings


def deployed_setting(name: str, **environ: str) -> Any:
    """``config.settings.<name>`` (plain JSON data) of a process started with ``environ`` on top of this one's."""
    env = {**os.environ, **environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = f"import json; from config import settings; print(json.dumps(settings.{name}))"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR,  # noqa: S603 - our own
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)
