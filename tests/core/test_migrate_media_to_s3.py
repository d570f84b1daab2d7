"""``migrate_media_to_s3`` against a real S3 HTTP API on this machine (moto's server mode, through a proxy that
can cut the network): dry run, a full move of files that real rows name, an interrupted run resumed, copies that
do not verify, ``--force``, and no bucket configured."""

from __future__ import annotations

import hashlib
import io
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import translation

from calls.models import CallRecording
from conversations.models import Message
from core import storage_sync
from operators.models import ProductImage
from tests.calls.backoffice_data import add_recording, make_call
from tests.core.s3_fakes import bucket_objects, media_rows, moto, proxy, s3_client, use_bucket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """The command's sentences asserted below are its English msgids (the Spanish catalog translates them)."""
    with translation.override("en"):
        yield


_FIXTURES = (media_rows, moto, proxy)  # used by name


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("migrate_media_to_s3", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def local(settings, name: str) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.MEDIA_ROOT, name)


def test_dry_run_lists_files_sizes_and_totals_and_touches_nothing(settings, media_rows, moto):
    bucket = use_bucket(settings, moto)

    out, _ = run("--dry-run")

    for name in media_rows:
        assert f"would move {name}" in out
        assert local(settings, name).exists()
    assert "Dry run: 3 files" in out and "nothing was changed" in out
    assert "1 files on disk" in out and "named by no record" in out  # the stray file is reported, not moved
    assert "would move tmp/stray.bin" not in out
    assert bucket_objects(moto, bucket) == {}


def test_full_run_moves_every_referenced_file_and_the_app_serves_them_from_the_bucket(settings, media_rows, moto,
                                                                                        proxy):
    endpoint, state = proxy
    bucket = use_bucket(settings, endpoint)
    seen_on_disk: list[tuple[str, str, bool]] = []
    state.observe = lambda method, key: seen_on_disk.append((method, key, local(settings, key).exists()))

    out, err = run()

    assert "Moved 3, already in the bucket 0, failed 0" in out and "3 local files removed" in out
    assert bucket_objects(moto, bucket) == media_rows  # same keys as the rows' names, same bytes
    for name in media_rows:
        assert not local(settings, name).exists()
        # every request about the file (the check, the upload, the verifying HEAD) left while it was on disk
        assert [m for m, key, _ in seen_on_disk if key == name] == ["HEAD", "PUT", "HEAD"]
        assert all(present for _, key, present in seen_on_disk if key == name)
    assert local(settings, "tmp/stray.bin").exists()  # the orphan stays
    assert not local(settings, "calls").exists()  # emptied folders go with the files
    assert bucket in err and "B/s" in err  # the progress bar went to stderr

    # The app, now on the S3 storage, reads each row's file from the bucket.
    recording = CallRecording.objects.get()
    with recording.file.open("rb") as handle:
        assert handle.read() == media_rows[recording.file.name]
    message = Message.objects.exclude(media="").get()
    assert message.media.read() == media_rows[message.media.name]
    photo = ProductImage.objects.get()
    assert photo.image.url.startswith(f"{endpoint}/{bucket}/operators/products/")
    with urllib.request.urlopen(photo.image.url) as response:  # noqa: S310 - the presigned link a browser follows
        assert response.read() == media_rows[photo.image.name]


def test_interrupted_run_keeps_unverified_files_and_a_second_run_resumes(settings, media_rows, moto, proxy):
    endpoint, state = proxy
    bucket = use_bucket(settings, endpoint)
    names = sorted(media_rows)
    state.drop_after_puts = 1  # the 2nd upload reaches the bucket, then the network goes away

    with pytest.raises(CommandError, match="stopped answering"):
        run()

    assert state.puts == names[:2]
    assert not local(settings, names[0]).exists()  # uploaded and verified: moved
    assert local(settings, names[1]).exists()  # in the bucket, but never verified: kept
    assert local(settings, names[2]).exists()  # not reached
    assert set(bucket_objects(moto, bucket)) == set(names[:2])

    state.drop_after_puts, state.down, state.puts = None, False, []
    out, _ = run()

    assert state.puts == [names[2]]  # only the one never sent goes up; the 2nd verifies as already there
    assert "Moved 1, already in the bucket 1, failed 0" in out and "2 local files removed" in out
    assert bucket_objects(moto, bucket) == media_rows
    assert not any(local(settings, name).exists() for name in names)

    out, _ = run()  # a third run finds nothing left to do
    assert "Moving 0 files" in out and "3 files named by records are not on the local disk" in out


def test_an_object_of_the_wrong_size_or_bytes_is_not_taken_as_there_and_is_uploaded_again(settings, media_rows, moto):
    bucket = use_bucket(settings, moto)
    name = sorted(media_rows)[0]
    client = s3_client(moto)
    client.put_object(Bucket=bucket, Key=name, Body=media_rows[name][:-10])  # truncated copy
    same_size = sorted(media_rows)[1]
    client.put_object(Bucket=bucket, Key=same_size, Body=b"z" * len(media_rows[same_size]))  # wrong bytes

    out, _ = run()

    assert "Moved 3, already in the bucket 0" in out
    assert bucket_objects(moto, bucket) == media_rows


def test_no_local_file_is_deleted_when_its_copy_does_not_verify(settings, media_rows, moto, proxy):
    endpoint, state = proxy
    bucket = use_bucket(settings, endpoint)
    state.head_size_lie = True  # every upload lands, but the bucket's size never matches

    with pytest.raises(CommandError, match="3 files could not be moved"):
        run()

    assert len(state.puts) == 3
    for name, data in media_rows.items():
        assert local(settings, name).read_bytes() == data
    assert set(bucket_objects(moto, bucket)) == set(media_rows)


def test_failed_verification_is_reported_with_the_reason(settings, media_rows, moto, proxy):
    endpoint, state = proxy
    use_bucket(settings, endpoint)
    state.head_size_lie = True
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError):
        call_command("migrate_media_to_s3", stdout=out, stderr=err)

    assert "copy not verified: size differs" in err.getvalue() and "local file kept" in err.getvalue()
    assert "Moved 0, already in the bucket 0, failed 3" in out.getvalue()
    assert "testing-secret" not in out.getvalue() + err.getvalue()


def test_keep_local_then_a_rerun_skips_verified_copies_and_force_uploads_again(settings, media_rows, moto, proxy):
    endpoint, state = proxy
    use_bucket(settings, endpoint)

    out, _ = run("--keep-local")
    assert "Moved 3" in out and "0 local files removed" in out
    assert all(local(settings, name).exists() for name in media_rows)
    assert len(state.puts) == 3

    state.puts = []
    out, _ = run("--keep-local")
    assert state.puts == [] and "already in the bucket 3" in out

    out, _ = run("--force", "--keep-local")
    assert sorted(state.puts) == sorted(media_rows) and "Moved 3, already in the bucket 0" in out


def test_object_metadata_carries_the_sha256(settings, media_rows, moto):
    bucket = use_bucket(settings, moto)
    run("--keep-local")
    name, data = next(iter(media_rows.items()))
    head = s3_client(moto).head_object(Bucket=bucket, Key=name)
    assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert head["ETag"].strip('"') == hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_without_a_bucket_the_command_refuses_clearly(settings, media_rows):
    settings.AWS_STORAGE_BUCKET_NAME = ""
    with pytest.raises(CommandError, match="No media bucket is configured"):
        run()
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME"):
        run("--dry-run")
    assert all(local(settings, name).exists() for name in media_rows)


def test_a_large_file_goes_up_in_parts_and_its_multipart_etag_verifies(settings, moto, monkeypatch):
    monkeypatch.setattr(storage_sync, "_SINGLE_PUT_MAX", 5 * 1024 * 1024)  # smaller cut-offs, same code path
    monkeypatch.setattr(storage_sync, "_PART_SIZE", 5 * 1024 * 1024)
    data = bytes(range(256)) * (11 * 4096) + b"end"  # 11 MiB and a bit: three parts
    recording = add_recording(make_call())
    recording.file.save("larga.wav", ContentFile(data), save=True)
    on_disk = Path(recording.file.path)
    bucket = use_bucket(settings, moto)

    out, _ = run("--keep-local")

    assert "Moved 1, already in the bucket 0, failed 0" in out
    head = s3_client(moto).head_object(Bucket=bucket, Key=recording.file.name)
    assert head["ETag"].strip('"').endswith("-3") and head["ContentLength"] == len(data)
    # the ETag the server computed over the parts is the one we work out from the local file
    assert head["ETag"].strip('"') == storage_sync.file_digests(on_disk).part_etag
    assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    out, _ = run()
    assert "Moved 0, already in the bucket 1" in out and "1 local files removed" in out


def test_the_files_to_move_are_found_from_every_models_file_fields():
    found = {(model._meta.label, name) for model, name in storage_sync.media_file_fields()}
    assert {("calls.CallRecording", "file"), ("conversations.Message", "media"), ("operators.ProductImage", "image"),
            ("operators.Operator", "logo"), ("sales.Quote", "pdf"), ("sales.Sale", "receipt")} <= found
