"""Recordings of calls made outside the CRM, uploaded by a quality analyst to audit them.

``recording_check`` reads the file's content, not its name: each accepted format's parser (mutagen) must read
the audio structure from the first byte, and the length the file declares must fit the bytes it holds. What is
accepted, told by content:

- ``mp3``: MPEG audio layer III (``audio/mpeg``, stored ``.mp3``);
- ``mpeg``: MPEG audio layers I/II, or layer III uploaded as ``.mpeg`` / ``.mpga`` (``audio/mpeg``, stored with
  that extension, ``.mpga`` for layers I/II uploaded under another name);
- ``wav``: RIFF/WAVE (``audio/wav``);
- ``ogg``: Ogg Vorbis or Ogg Opus (``audio/ogg``);
- ``m4a``: AAC in an MP4 container (``audio/mp4``).

The name is a first gate only: it must end in one of the accepted extensions (``.mp3 .wav .ogg .m4a .mpeg
.mpga``), and a file whose extension contradicts its content is accepted by its content and stored under the
content's extension and type (a WAV named ``.mp3`` is kept as ``.wav``, ``audio/wav``). A program, a document,
text, a cut-off file or an empty one is refused with a message that says why, and so is a file over
``QUALITY_MAX_UPLOAD_BYTES``.

``recording_upload`` then makes the call (``calls.services.uploads.call_create_from_upload``): a call of
source "upload" with its recording in the default storage, transcribed by the calls' own transcription task.
Who may: a supervisor, for the agents of the teams they lead or belong to, and an admin, for anyone; never for
their own calls.
"""

from __future__ import annotations

import logging
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from accounts.models import Role, User
from accounts.policy import Reach, overseen_team_ids, role_reach
from calls.models import Call
from calls.services.uploads import call_create_from_upload
from core.errors import PermissionDeniedError

logger = logging.getLogger(__name__)

#: The names a recording may have; the content decides what it is.
ACCEPTED_EXTENSIONS = ("mp3", "wav", "ogg", "m4a", "mpeg", "mpga")
#: Shorter than this, there is nothing to audit (and a cut-off file often reads as a fraction of a second).
MIN_SECONDS = 1.0
#: A WAV's declared PCM data must all be there; a compressed file must hold at least this share of the bytes
#: its declared length and bit rate call for (less is a file cut short: the rest of the call is missing).
WAV_MIN_SHARE = 0.95
COMPRESSED_MIN_SHARE = 0.5
#: Between the ID3 tag (if any) and the first MPEG frame only padding may stand: audio starts at the start.
MAX_MPEG_PADDING = 64 * 1024
_PARSE_ERRORS = (MutagenError, struct.error, EOFError, ValueError, IndexError, OverflowError, KeyError)


@dataclass(frozen=True)
class AudioInfo:
    """What a recording is, read from its content."""

    kind: str  # "mp3" | "mpeg" | "wav" | "ogg" | "m4a"
    content_type: str
    extension: str
    duration: float  # seconds
    codec: str = ""
    channels: int = 1


class _Refused(Exception):
    """A parser read the file as its format, and what it read is not acceptable (with the reason)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def megabytes(size: int, *, round_up: bool = False) -> str:
    """``size`` bytes in MB, as people read it ("25", "1,5" in Spanish, "0,02"); ``round_up`` for a file over a
    limit, so that 25 MB and one byte does not read as the 25 MB limit."""
    value = size / (1024 * 1024)
    if value == int(value):
        return number_format(int(value), decimal_pos=0)
    decimals = 1 if value >= 10 else 2
    scale = 10**decimals
    shown = (math.ceil(value * scale) if round_up else round(value * scale)) / scale
    while decimals and round(shown * 10 ** (decimals - 1), 9).is_integer():  # "2,5", not "2,50"
        decimals -= 1
    return number_format(shown, decimal_pos=decimals)


def _extension(name: str) -> str:
    base = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _file_size(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, 2)
        size = file.tell()
        file.seek(position)
    return int(size)


def _check_length(duration: float, *, size: int, bitrate: int, min_share: float) -> None:
    """The declared length is long enough to audit, and the file holds the bytes it calls for."""
    if duration <= 0:
        raise _Refused(_("The recording is incomplete or damaged: no audio could be read from it."), "damaged")
    if bitrate > 0 and size < duration * bitrate / 8 * min_share:
        raise _Refused(_("The recording is incomplete or damaged: the file is cut short."), "truncated")
    if duration < MIN_SECONDS:
        raise _Refused(
            _("The recording is too short (%(seconds)s s): a call to audit lasts at least one second.")
            % {"seconds": number_format(duration, decimal_pos=1)},
            "too_short",
        )


def _wav(handle: IO[bytes], *, size: int, extension: str) -> AudioInfo:
    info = WAVE(handle).info
    _check_length(info.length, size=size, bitrate=info.bitrate, min_share=WAV_MIN_SHARE)
    return AudioInfo("wav", "audio/wav", "wav", info.length, codec="pcm" if info.bits_per_sample else "",
                     channels=info.channels)


def _ogg(handle: IO[bytes], *, size: int, extension: str) -> AudioInfo:
    try:
        info, codec = OggOpus(handle).info, "opus"
    except _PARSE_ERRORS:
        handle.seek(0)
        info, codec = OggVorbis(handle).info, "vorbis"
    # An Ogg file's length comes from its last page: a cut-off file reads as the part that is there.
    _check_length(info.length, size=size, bitrate=0, min_share=0)
    return AudioInfo("ogg", "audio/ogg", "ogg", info.length, codec=codec, channels=info.channels)


def _m4a(handle: IO[bytes], *, size: int, extension: str) -> AudioInfo:
    info = MP4(handle).info
    codec = info.codec or ""
    if not codec:
        raise ValueError("an MP4 file without an audio track")
    if not codec.startswith("mp4a.40."):
        raise _Refused(
            _("The m4a file holds %(codec)s audio, not AAC: convert it to mp3 or to AAC in m4a.") % {"codec": codec},
            "not_aac",
        )
    _check_length(info.length, size=size, bitrate=info.bitrate, min_share=COMPRESSED_MIN_SHARE)
    return AudioInfo("m4a", "audio/mp4", "m4a", info.length, codec="aac", channels=info.channels)


def _mpeg(handle: IO[bytes], *, size: int, extension: str) -> AudioInfo:
    audio = MP3(handle)
    info = audio.info
    if info.sketchy:
        raise _Refused(_("The recording is incomplete or damaged: its MPEG audio frames do not follow each "
                         "other."), "damaged")
    # mutagen looks for a run of frames anywhere in the first megabyte, which a program's bytes may hold by
    # chance: real MPEG audio starts at the file's start, right after its ID3 tag (zero padding allowed).
    tag_end = audio.tags.size if audio.tags is not None else 0
    gap = info.frame_offset - tag_end
    if gap < 0 or gap > MAX_MPEG_PADDING:
        raise ValueError("the MPEG frames do not start the file")
    if gap:
        handle.seek(tag_end)
        if handle.read(gap).strip(b"\x00"):
            raise ValueError("the MPEG frames do not start the file")
    _check_length(info.length, size=size, bitrate=info.bitrate, min_share=COMPRESSED_MIN_SHARE)
    if info.layer == 3 and extension not in ("mpeg", "mpga"):
        return AudioInfo("mp3", "audio/mpeg", "mp3", info.length, codec="mp3", channels=info.channels)
    stored = extension if extension in ("mpeg", "mpga") else "mpga"
    return AudioInfo("mpeg", "audio/mpeg", stored, info.length, codec=f"mp{info.layer}", channels=info.channels)


#: In this order: the strict containers first, MPEG audio (the most lenient parser) last.
_PROBES: tuple[Callable[..., AudioInfo], ...] = (_wav, _ogg, _m4a, _mpeg)


def recording_check(file: Any) -> AudioInfo:
    """What the uploaded ``file`` (a Django ``UploadedFile`` or any named binary file) is, read from its content;
    ``ValidationError`` with a message for people when it is not a recording we take (see the module's doc)."""
    name = getattr(file, "name", "") or ""
    limit = settings.QUALITY_MAX_UPLOAD_BYTES
    size = _file_size(file)
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is too big (%(size)s MB): the limit is %(limit)s MB.")
            % {"size": megabytes(size, round_up=True), "limit": megabytes(limit)},
            code="too_big",
        )
    extension = _extension(name)
    if extension not in ACCEPTED_EXTENSIONS:
        raise ValidationError(
            _("Upload a call recording: mp3, wav, ogg, m4a or mpeg."), code="extension",
        )
    handle = getattr(file, "file", None) or file
    try:
        for probe in _PROBES:
            handle.seek(0)
            try:
                return probe(handle, size=size, extension=extension)
            except _PARSE_ERRORS:
                continue
    except _Refused as exc:
        raise ValidationError(exc.message, code=exc.code) from None
    finally:
        handle.seek(0)
    raise ValidationError(
        _("This file is not an audio recording we can read (mp3, wav, ogg, m4a or mpeg), whatever its name says."),
        code="not_audio",
    )


# ---------------------------------------------------------------------------------------------
# Who may upload, for whom
# ---------------------------------------------------------------------------------------------
def user_may_upload(user: User) -> bool:
    """Quality analysts upload: supervisors and admins."""
    return role_reach(user) is not Reach.NOTHING and bool(user.is_admin_role or user.is_supervisor)


def upload_agents(user: User) -> QuerySet[User]:
    """The people whose outside calls ``user`` may upload: active agents and supervisors of the teams a
    supervisor leads or belongs to, everyone's for an admin; never ``user`` themself (nobody audits themself)."""
    if not user_may_upload(user):
        return User.objects.none()
    qs = (User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR]).exclude(pk=user.pk)
          .select_related("team").order_by("first_name", "last_name", "username"))
    if user.is_admin_role:
        return qs
    return qs.filter(team_id__in=overseen_team_ids(user=user))


def recording_upload(
    *, analyst: User, agent: User, file: Any, direction: str, started_at: datetime | None = None,
    contact_phone: str = "", notes: str = "",
) -> Call:
    """Check ``file``, then make the call it records: source "upload", completed, ``agent``'s, with its recording
    stored and its transcription queued (after commit) on the calls' own task.

    ``PermissionDeniedError`` when ``analyst`` may not upload or does not oversee ``agent``; ``ValidationError``
    for the file; ``InvalidPhoneError`` for a customer phone that is not one. Nothing is stored on a refusal.
    """
    if not user_may_upload(analyst):
        raise PermissionDeniedError(_("Only supervisors and admins upload recordings for audits."),
                                    code="upload_forbidden")
    if agent is None or not upload_agents(analyst).filter(pk=agent.pk).exists():
        raise PermissionDeniedError(_("You can only upload calls of the agents you oversee."),
                                    code="agent_not_overseen")
    audio = recording_check(file)
    call = call_create_from_upload(
        agent=agent, uploaded_by=analyst, file=file, content_type=audio.content_type, extension=audio.extension,
        duration=audio.duration, direction=direction, started_at=started_at, contact_phone=contact_phone,
        notes=notes,
    )
    logger.info("call %s: outside recording uploaded (%s, %.1f s) by user %s", call.pk, audio.kind,
                audio.duration, analyst.pk)
    return call
