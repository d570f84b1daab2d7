"""Two-factor policy, reads and writes: who must use it, setting up the app, codes, recovery codes, reset."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
ENABLED_CACHE_SECONDS = 300
APP_DEVICE_NAME = "app"
RECOVERY_DEVICE_NAME = "recovery"
_TOTP_TOKEN = re.compile(r"^\d{6}$")


# ---------------------------------------------------------------------------------------------
# Policy and reads
# ---------------------------------------------------------------------------------------------
def two_factor_required(*, user: User) -> bool:
    """Whether the role must use two factors (``TWO_FACTOR_REQUIRED_ROLES``; superusers count as admins)."""
    roles = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    return user.role in roles or (user.is_superuser and Role.ADMIN in roles)


def two_factor_device(*, user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_needed(*, user: User) -> bool:
    """Whether signing in takes a second factor: the role requires it, or the person turned it on."""
    return two_factor_required(user=user) or two_factor_enabled(user=user)


def two_factor_needed_on_request(*, user: User) -> bool:
    """``two_factor_needed`` for every request's check (middleware, socket): whether an optional role turned it
    on is remembered in the cache (the writes below forget it), so an agent's requests take no extra query."""
    if two_factor_required(user=user):
        return True
    return cache.get_or_set(_enabled_cache_key(user), lambda: two_factor_enabled(user=user), ENABLED_CACHE_SECONDS)


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def session_is_verified(*, user: User, session: Mapping[str, Any]) -> bool:
    """What ``user.is_verified()`` says over HTTP, for places without django-otp's middleware (sockets)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


def totp_secret(*, device: TOTPDevice) -> str:
    """The key as an authenticator app takes it when typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def totp_qr_data_uri(*, device: TOTPDevice) -> str:
    """The ``otpauth://`` link as an SVG QR code in a ``data:`` URI (an <img>, so no inline markup or script)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TwoFactorEnabled:
    device: TOTPDevice
    recovery_codes: list[str]


def totp_device_begin(*, user: User) -> TOTPDevice:
    """The unconfirmed app of the setup page: the same secret on every reload until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: User, token: str) -> TwoFactorEnabled | None:
    """Confirm the app being set up with a code it shows; ``None`` when the code is wrong.

    On success the app is the person's only one, and ten fresh recovery codes replace any old ones.
    A person who already has a confirmed app cannot add another here (``None``): a stolen password
    must not be enough to replace it.
    """
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return None
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None or not device.verify_token(_clean(token)):
            return None  # a wrong code was counted by the device's throttle, which this commit keeps
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user=user)
        _enabled_changed(user)
    logger.info("two-factor enabled for user %s", user.pk)
    return TwoFactorEnabled(device=device, recovery_codes=codes)


def two_factor_verify(*, user: User, token: str) -> Device | None:
    """The device that accepts ``token``: the app for six digits, else a recovery code (used up)."""
    token = _clean(token)
    if not token:
        return None
    with transaction.atomic():
        if _TOTP_TOKEN.match(token):
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            if device.verify_token(token):
                return device
    return None


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
    logger.info("recovery codes regenerated for user %s", user.pk)
    return codes


def two_factor_disable(*, user: User, actor: User | None = None) -> int:
    """Remove the person's app and recovery codes (they or an admin did); the number of devices removed.

    A role that must use two factors is asked to set up an app again at its next request or login.
    """
    removed = 0
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        _enabled_changed(user)
    logger.info("two-factor removed for user %s by user %s (%s devices)", user.pk,
                actor.pk if actor else user.pk, removed)
    return removed


_cache_generation = [0]


def _enabled_cache_key(user: User) -> str:
    return f"two-factor-enabled:{_cache_generation[0]}:{user.pk}"


def two_factor_cache_clear() -> None:
    """Forget every cached answer of this process (tests: user ids repeat once the database is rolled back)."""
    _cache_generation[0] += 1


def _enabled_changed(user: User) -> None:
    """Forget the cached answer now and again after commit (a request in between may have cached the old one)."""
    key = _enabled_cache_key(user)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _clean(token: str) -> str:
    """People type codes with spaces or dashes and in any case; recovery codes are stored lower-case."""
    return re.sub(r"[\s-]", "", token or "").lower()
