"""For tests and benchmarks that sign people in with ``Client.force_login`` instead of the login form."""

from __future__ import annotations

import time
from typing import Any

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.two_factor.services import two_factor_device, two_factor_needed


def client_session_verify(client: Any, user: User) -> None:
    """What the code step does after a right code: if ``user`` needs a second factor, their session (of the
    signed-in test ``client``) is marked verified by their app, a real confirmed device made if they have none.
    Production code never calls this: it takes the database and a session already signed in."""
    if not two_factor_needed(user=user):
        return
    device = two_factor_device(user=user) or TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def totp_code(device: TOTPDevice) -> str:
    """The code the person's app shows now, as a phone would compute it from the key; if that code was
    already used (a second login within the same 30 s), the next one, which the device's tolerance accepts."""
    now = int((time.time() - device.t0) // device.step) + device.drift
    counter = max(now, device.last_t + 1)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


def client_two_factor_pass(client: Any, user: User) -> Any:
    """After a right password at the login form: the code step, or setting up the app (with a code computed
    from the key the setup page shows); the response of that step."""
    device = two_factor_device(user=user)
    if device is None:
        client.get(reverse("two_factor:setup"))
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        return client.post(reverse("two_factor:setup"), {"code": totp_code(device)})
    return client.post(reverse("two_factor:verify"), {"code": totp_code(device)})
