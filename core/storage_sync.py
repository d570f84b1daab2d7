"""Moving media from the local disk (``MEDIA_ROOT``) into the S3/MinIO bucket, and removing what is safely there.

The files to move are found generically: every ``FileField``/``ImageField`` of every installed model names a
file (``calls/recordings/2026/12/RE1-a.mp3``), and the same name is the object's key in the bucket (after the
storage's own ``location`` prefix), so the rows need no change once the files are copied. Files on disk that no
row names are reported as orphans and left alone.

Nothing local is deleted before its bucket copy is verified: the object's size must equal the local size and a
checksum must agree (the ETag of a single-part upload is the MD5 the server computed; we also store the SHA-256
in the object's metadata and ask for S3's own SHA-256 checksum). A copy that does not verify is re-uploaded by
the next run, which is what makes an interrupted run resumable: verified objects are skipped, the rest are sent.

The bucket is the one ``STORAGES["default"]`` points at (``AWS_STORAGE_BUCKET_NAME`` and friends in
``config/settings.py``), reached through django-storages' ``S3Storage`` built with the same options, so the
files land where the app will look for them.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.apps import apps
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import models
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from core.errors import ApplicationError

_CHUNK = 1024 * 1024
# Up to this size a file goes up in one PUT (its ETag is then the MD5 the server computed); larger files go in
# parts of _PART_SIZE, whose ETag is the MD5 of the parts' MD5s followed by "-<parts>".
_SINGLE_PUT_MAX = 256 * 1024 * 1024
_PART_SIZE = 64 * 1024 * 1024
_SHA256_META = "sha256"
# The bucket did not answer (refused, closed, timed out): no point going on with the next files.
_UNREACHABLE = (BotoConnectionError, HTTPClientError)


class MediaBucketNotConfigured(ApplicationError):
    code = "media_bucket_not_configured"


@dataclass(frozen=True)
class MediaFile:
    """A local file under ``MEDIA_ROOT`` and the storage name rows use for it."""

    name: str
    path: Path
    size: int


@dataclass
class MediaInventory:
    files: list[MediaFile] = field(default_factory=list)  # named by a row and present on disk
    not_on_disk: list[str] = field(default_factory=list)  # named by a row, absent locally (moved already, or lost)
    orphans: list[MediaFile] = field(default_factory=list)  # on disk, named by no row: reported, never moved
    unsafe: list[str] = field(default_factory=list)  # a name pointing outside MEDIA_ROOT: refused

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def orphan_bytes(self) -> int:
        return sum(f.size for f in self.orphans)


@dataclass(frozen=True)
class Digests:
    md5: str  # hex
    sha256: str  # hex
    part_etag: str  # what a multipart upload in _PART_SIZE parts would give as ETag ("" for a single part)

    @property
    def sha256_b64(self) -> str:
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()

    @property
    def md5_b64(self) -> str:
        return base64.b64encode(bytes.fromhex(self.md5)).decode()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str  # English, for the command's output; "" when ok


@dataclass
class MigrationReport:
    moved: list[str] = field(default_factory=list)  # uploaded, verified (and removed locally unless keep_local)
    already: list[str] = field(default_factory=list)  # a verified copy was already there
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name, why): the local file is kept
    not_attempted: list[str] = field(default_factory=list)  # left when the bucket stopped answering
    removed_local: int = 0
    bytes_uploaded: int = 0
    interrupted: str = ""


@dataclass
class CleanupReport:
    removed: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (name, why)
    bytes_freed: int = 0
    interrupted: str = ""


# ------------------------------------------------------------------------------------------------------------
# What is on disk
# ------------------------------------------------------------------------------------------------------------
def media_file_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) that stores a file name in the default storage: ``FileField`` and its
    subclasses (``ImageField``). A field given a storage of its own keeps its files elsewhere and is left out."""
    found = []
    for model in apps.get_models():
        for fld in model._meta.get_fields():
            if not (isinstance(fld, models.FileField) and fld.concrete):
                continue
            if getattr(fld, "_storage_callable", None) is None and fld.storage is default_storage:
                found.append((model, fld.name))
    return found


def media_referenced_names() -> set[str]:
    """The file names that rows hold, over every model (the base manager: no filtering manager hides a row)."""
    names: set[str] = set()
    for model, name in media_file_fields():
        rows = model._base_manager.exclude(**{f"{name}__isnull": True}).exclude(**{name: ""})
        names.update(rows.values_list(name, flat=True).distinct().iterator())
    return names


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def _local_path(root: Path, name: str) -> Path:
    path = (root / name).resolve()
    if path == root or root not in path.parents:
        raise SuspiciousFileOperation(f"{name!r} is outside MEDIA_ROOT")
    return path


def media_inventory(names: Iterable[str] | None = None) -> MediaInventory:
    """The referenced files present under ``MEDIA_ROOT``, the referenced ones absent, and the orphans on disk."""
    root = _media_root()
    inventory = MediaInventory()
    referenced = sorted(set(media_referenced_names() if names is None else names))
    seen: set[Path] = set()
    for name in referenced:
        try:
            path = _local_path(root, name)
        except SuspiciousFileOperation:
            inventory.unsafe.append(name)
            continue
        if path.is_file():
            seen.add(path)
            inventory.files.append(MediaFile(name=name, path=path, size=path.stat().st_size))
        else:
            inventory.not_on_disk.append(name)
    if root.is_dir():
        for dirpath, _dirs, filenames in os.walk(root):
            for filename in sorted(filenames):
                path = Path(dirpath, filename).resolve()
                if path not in seen and path.is_file():
                    name = path.relative_to(root).as_posix()
                    inventory.orphans.append(MediaFile(name=name, path=path, size=path.stat().st_size))
    inventory.orphans.sort(key=lambda f: f.name)
    return inventory


def file_digests(path: Path) -> Digests:
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    part_md5s: list[bytes] = []
    part, part_len = hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
            while chunk:  # the same bytes cut at the multipart part boundaries
                take = chunk[: _PART_SIZE - part_len]
                part.update(take)
                part_len += len(take)
                chunk = chunk[len(take):]
                if part_len == _PART_SIZE:
                    part_md5s.append(part.digest())
                    part, part_len = hashlib.md5(usedforsecurity=False), 0
    if part_len:
        part_md5s.append(part.digest())
    part_etag = ""
    if len(part_md5s) > 1:
        part_etag = f"{hashlib.md5(b''.join(part_md5s), usedforsecurity=False).hexdigest()}-{len(part_md5s)}"
    return Digests(md5=md5.hexdigest(), sha256=sha256.hexdigest(), part_etag=part_etag)


def _remove_local(root: Path, media: MediaFile) -> None:
    media.path.unlink()
    parent = media.path.parent
    while parent != root and root in parent.parents:  # folders emptied by the move go too
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


# ------------------------------------------------------------------------------------------------------------
# The bucket
# ------------------------------------------------------------------------------------------------------------
def media_bucket_options() -> dict[str, Any]:
    """The options the default storage is built with, when it is S3; refuses clearly otherwise."""
    config = settings.STORAGES.get("default", {})
    backend = config.get("BACKEND", "")
    options = dict(config.get("OPTIONS", {}))
    is_s3 = False
    if backend:
        try:
            is_s3 = issubclass(import_string(backend), S3Storage)
        except ImportError:
            is_s3 = False
    if not is_s3 or not (options.get("bucket_name") or getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")):
        raise MediaBucketNotConfigured(
            "No media bucket is configured: set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL, "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for MinIO or another S3 service) so that the default "
            "storage is S3, then run this again."
        )
    return options


class MediaBucket:
    """The media bucket as the app's S3 storage sees it: same credentials, endpoint, key prefix and parameters."""

    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage

    @property
    def client(self) -> Any:
        return self.storage.connection.meta.client

    @property
    def name(self) -> str:
        return str(self.storage.bucket_name)

    @property
    def endpoint(self) -> str:
        return str(self.storage.endpoint_url or "AWS S3")

    def key(self, name: str) -> str:
        return str(self.storage._normalize_name(clean_name(name)))

    def head(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.name, Key=self.key(name), ChecksumMode="ENABLED"))
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 or exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def verify(self, media: MediaFile, digests: Digests) -> Verdict:
        """Is the bucket's object for ``media`` a true copy? Size first, then the checksums the server gives."""
        head = self.head(media.name)
        if head is None:
            return Verdict(False, "not in the bucket")
        remote_size = int(head.get("ContentLength", -1))
        if remote_size != media.size:
            return Verdict(False, f"size differs (bucket {remote_size} B, local {media.size} B)")
        server_sha = str(head.get("ChecksumSHA256") or "")
        if server_sha and "-" not in server_sha and server_sha != digests.sha256_b64:
            return Verdict(False, "SHA-256 checksum differs")
        meta_sha = str((head.get("Metadata") or {}).get(_SHA256_META, "")).lower()
        if meta_sha and meta_sha != digests.sha256:
            return Verdict(False, "SHA-256 checksum differs")
        etag = str(head.get("ETag", "")).strip('"').lower()
        if etag and etag in (digests.md5, digests.part_etag):
            return Verdict(True, "")
        if (server_sha and server_sha == digests.sha256_b64) or meta_sha == digests.sha256:
            return Verdict(True, "")  # e.g. an encrypted bucket, whose ETag is no MD5
        return Verdict(False, "checksum differs" if etag else "no checksum to compare")

    def upload(self, media: MediaFile, digests: Digests) -> None:
        params = dict(self.storage._get_write_parameters(media.name))
        params["Metadata"] = {**params.get("Metadata", {}), _SHA256_META: digests.sha256}
        key = self.key(media.name)
        with media.path.open("rb") as body:
            if media.size <= _SINGLE_PUT_MAX:
                self.client.put_object(
                    Bucket=self.name, Key=key, Body=body, ContentLength=media.size, ContentMD5=digests.md5_b64,
                    ChecksumAlgorithm="SHA256", ChecksumSHA256=digests.sha256_b64, **params,
                )
            else:
                config = TransferConfig(multipart_threshold=_SINGLE_PUT_MAX, multipart_chunksize=_PART_SIZE)
                self.client.upload_fileobj(body, self.name, key, ExtraArgs=params, Config=config)


def media_bucket() -> MediaBucket:
    """The bucket of ``STORAGES["default"]``; raises ``MediaBucketNotConfigured`` when the storage is not S3."""
    return MediaBucket(S3Storage(**media_bucket_options()))


# ------------------------------------------------------------------------------------------------------------
# Moving and cleaning
# ------------------------------------------------------------------------------------------------------------
Progress = Callable[[MediaFile, str], None]  # called once per file with its outcome: moved/already/failed


def media_migrate(
    inventory: MediaInventory, bucket: MediaBucket, *, force: bool = False, keep_local: bool = False,
    progress: Progress | None = None,
) -> MigrationReport:
    """Copy each file to the bucket, verify the copy, and only then remove the local file.

    A file whose verified copy is already in the bucket is not sent again (unless ``force``). A failed upload or
    verification keeps the local file and is reported. When the bucket stops answering the run stops there: the
    files not reached are listed, and running again picks up where it stopped.
    """
    root = _media_root()
    report = MigrationReport()
    for index, media in enumerate(inventory.files):
        outcome = "failed"
        try:
            digests = file_digests(media.path)
            if not force and bucket.verify(media, digests).ok:
                report.already.append(media.name)
                outcome = "already"
            else:
                bucket.upload(media, digests)
                report.bytes_uploaded += media.size
                verdict = bucket.verify(media, digests)
                if not verdict.ok:
                    report.failed.append((media.name, f"copy not verified: {verdict.reason}"))
                else:
                    report.moved.append(media.name)
                    outcome = "moved"
            if outcome != "failed" and not keep_local:
                _remove_local(root, media)
                report.removed_local += 1
        except _UNREACHABLE as exc:
            report.failed.append((media.name, f"bucket unreachable ({type(exc).__name__})"))
            report.not_attempted = [f.name for f in inventory.files[index + 1:]]
            report.interrupted = "the bucket stopped answering"
            if progress:
                progress(media, outcome)
            break
        except (ClientError, BotoCoreError) as exc:
            report.failed.append((media.name, _boto_reason(exc)))
        except OSError as exc:
            report.failed.append((media.name, f"local file: {exc.strerror or type(exc).__name__}"))
        if progress:
            progress(media, outcome)
    return report


def media_cleanup(inventory: MediaInventory, bucket: MediaBucket, *, dry_run: bool = False,
                  progress: Progress | None = None) -> CleanupReport:
    """Remove the local files whose bucket copy verifies (size and checksum); keep the others, saying why."""
    root = _media_root()
    report = CleanupReport()
    for index, media in enumerate(inventory.files):
        outcome = "kept"
        try:
            verdict = bucket.verify(media, file_digests(media.path))
            if verdict.ok:
                if not dry_run:
                    _remove_local(root, media)
                report.removed.append(media.name)
                report.bytes_freed += media.size
                outcome = "removed"
            else:
                report.kept.append((media.name, verdict.reason))
        except _UNREACHABLE as exc:
            report.kept.extend([(f.name, f"bucket unreachable ({type(exc).__name__})")
                                for f in inventory.files[index:]])
            report.interrupted = "the bucket stopped answering"
            break
        except (ClientError, BotoCoreError) as exc:
            report.kept.append((media.name, _boto_reason(exc)))
        except OSError as exc:
            report.kept.append((media.name, f"local file: {exc.strerror or type(exc).__name__}"))
        if progress:
            progress(media, outcome)
    return report


def _boto_reason(exc: Exception) -> str:
    """What S3 said, without the request's headers or credentials."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"S3 error {error.get('Code', '?')}: {error.get('Message', '')}".strip()
    return type(exc).__name__
