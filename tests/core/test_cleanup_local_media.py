"""``cleanup_local_media`` against a real S3 HTTP API (moto's server mode): a local file goes only when the
bucket's copy under the same name verifies (size and checksum); every other file stays and the command says why."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.core.s3_fakes import bucket_objects, media_rows, moto, proxy, s3_client, use_bucket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """The command's sentences asserted below are its English msgids (the Spanish catalog translates them)."""
    with translation.override("en"):
        yield


_FIXTURES = (media_rows, moto, proxy)  # used by name


def cleanup(*args: str) -> str:
    out = io.StringIO()
    call_command("cleanup_local_media", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def local(settings, name: str) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.MEDIA_ROOT, name)


@pytest.fixture
def copied(settings, media_rows, moto) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """Every file copied to the bucket by ``migrate_media_to_s3 --keep-local``; then one copy truncated, one
    replaced by other bytes of the same size, one left as it was."""
    bucket = use_bucket(settings, moto)
    call_command("migrate_media_to_s3", "--keep-local", stdout=io.StringIO(), stderr=io.StringIO())
    assert set(bucket_objects(moto, bucket)) == set(media_rows)
    good, truncated, altered = sorted(media_rows)
    client = s3_client(moto)
    client.put_object(Bucket=bucket, Key=truncated, Body=media_rows[truncated][:-1])
    client.put_object(Bucket=bucket, Key=altered, Body=b"?" * len(media_rows[altered]))
    return bucket, [good, truncated, altered]


def test_removes_only_the_files_whose_bucket_copy_verifies_and_says_why_the_others_stay(settings, media_rows,
                                                                                        copied):
    _, (good, truncated, altered) = copied

    out = cleanup()

    assert f"removed: {good}" in out
    assert f"kept: {truncated}: size differs" in out
    assert f"kept: {altered}: checksum differs" in out
    assert "Removed 1 local files" in out and "kept 2" in out
    assert not local(settings, good).exists()
    assert local(settings, truncated).read_bytes() == media_rows[truncated]
    assert local(settings, altered).read_bytes() == media_rows[altered]
    assert local(settings, "tmp/stray.bin").exists()  # named by no row: never touched
    assert "1 files on disk are named by no record" in out


def test_a_file_missing_from_the_bucket_stays(settings, media_rows, moto, copied):
    bucket, (good, _, _) = copied
    s3_client(moto).delete_object(Bucket=bucket, Key=good)

    out = cleanup()

    assert f"kept: {good}: not in the bucket" in out and "Removed 0 local files" in out
    assert all(local(settings, name).exists() for name in media_rows)


def test_dry_run_removes_nothing(settings, media_rows, copied):
    _, (good, _, _) = copied

    out = cleanup("--dry-run")

    assert f"would remove: {good}" in out and "Would remove 1 local files" in out
    assert all(local(settings, name).exists() for name in media_rows)


def test_an_unreachable_bucket_removes_nothing(settings, media_rows, proxy):
    endpoint, state = proxy
    use_bucket(settings, endpoint)
    state.down = True

    with pytest.raises(CommandError, match="stopped answering"):
        cleanup()

    assert all(local(settings, name).exists() for name in media_rows)


def test_without_a_bucket_the_command_refuses_clearly(settings, media_rows):
    settings.AWS_STORAGE_BUCKET_NAME = ""
    with pytest.raises(CommandError, match="No media bucket is configured"):
        cleanup()
    assert all(local(settings, name).exists() for name in media_rows)
