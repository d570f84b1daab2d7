from django.conf import settings
from django.http import HttpRequest


def runtime(request: HttpRequest) -> dict[str, object]:
    return {"APP_VERSION": settings.VERSION}
