"""A real S3 HTTP API on this machine (moto's server mode), and a forwarding proxy in front of it that can cut
the network at a chosen point, for the media migration tests.

The proxy speaks plain HTTP between boto3 and moto: it forwards every request and, when told, drops the
connection after the Nth object upload (the upload reached the bucket, its answer never came back: the way a
run dies when the network or the process goes away), or reports a wrong size on HEAD (a bucket copy that does
not verify). It also calls ``observe(method, key)`` before forwarding, so a test can look at the local disk at
the moment each request leaves.
"""

from __future__ import annotations

import http.client
import io
import logging
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from botocore.config import Config
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from PIL import Image

from operators.models import ProductImage
from tests.calls.backoffice_data import add_recording, make_call
from tests.operators.factories import OperatorFactory, ProductFactory
from tests.quality.factories import make_conversation

REGION = "us-east-1"
KEY_ID, SECRET = "testing-key", "testing-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    port = free_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET, config=Config(s3={"addressing_style": "path"}))


def new_bucket(endpoint: str) -> str:
    name = f"media-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def s3_storages(endpoint: str, bucket: str) -> dict[str, Any]:
    """``STORAGES`` as config/settings.py builds it with AWS_* set (path-style, one try per request)."""
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket, "endpoint_url": endpoint, "access_key": KEY_ID, "secret_key": SECRET,
                "region_name": REGION, "default_acl": None, "querystring_auth": True, "file_overwrite": False,
                "client_config": Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@dataclass
class ProxyState:
    target: str
    drop_after_puts: int | None = None  # the next object PUT reaches the bucket, its answer is dropped, then down
    head_size_lie: bool = False  # HEAD answers one byte more than the object has
    observe: Callable[[str, str], None] | None = None
    puts: list[str] = field(default_factory=list)  # object keys uploaded through the proxy, in order
    down: bool = False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self) -> None:
        state = self.server.state
        body = self._body()
        path = urlsplit(self.path).path
        parts = path.lstrip("/").split("/", 1)
        key = unquote(parts[1]) if len(parts) == 2 else ""
        is_object_put = self.command == "PUT" and bool(key) and "uploadId" not in self.path
        if state.down:
            self.close_connection = True
            return
        if state.observe and key:
            state.observe(self.command, key)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("expect", "connection", "transfer-encoding", "content-length")}
        if self.command in ("PUT", "POST"):
            headers["Content-Length"] = str(len(body))
        target = urlsplit(state.target)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        conn.request(self.command, self.path, body=body or None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        if is_object_put and response.status == 200:
            state.puts.append(key)
            if state.drop_after_puts is not None and len(state.puts) > state.drop_after_puts:
                state.down = True  # the bucket has it, the client never hears so
                self.close_connection = True
                return
        self.send_response(response.status)
        length = len(data)
        for name, value in response.getheaders():
            if name.lower() in ("transfer-encoding", "connection", "content-length", "server", "date"):
                continue
            self.send_header(name, value)
        if self.command == "HEAD":
            length = int(response.getheader("Content-Length") or 0)
            if state.head_size_lie and key and response.status == 200:
                length += 1
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ProxyState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def s3_proxy(target: str) -> Iterator[tuple[str, ProxyState]]:
    state = ProxyState(target=target)
    server = _ProxyServer(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------------------------------------------
# Rows with files on the local disk, and the S3 settings switched on
# ------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def proxy(moto: str) -> Iterator[tuple[str, ProxyState]]:
    with s3_proxy(moto) as pair:
        yield pair


def png(colour: str = "blue") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def media_rows(settings) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """A call recording, a chat attachment and a product photo saved on the local disk, plus a stray file."""
    recording = add_recording(make_call())
    recording.file.save("llamada.mp3", ContentFile(b"ID3" + bytes(range(256)) * 40), save=True)
    conversation = make_conversation(messages=[("customer", "Te mando la foto del DNI")])
    message = conversation.messages.get()
    message.media.save("dni.pdf", ContentFile(b"%PDF-1.4\n" + b"x" * 5000), save=True)
    product = ProductFactory(operator=OperatorFactory(name="Apple", slug="apple"), name="iPhone 15")
    photo = ProductImage.objects.create(product=product, image=SimpleUploadedFile("iphone.png", png()))
    stray = Path(settings.MEDIA_ROOT, "tmp", "stray.bin")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"nobody names me")
    files = {}
    for field_file in (recording.file, message.media, photo.image):
        files[field_file.name] = Path(field_file.path).read_bytes()
    return files


def use_bucket(settings, endpoint: str) -> str:  # type: ignore[no-untyped-def]
    bucket = new_bucket(endpoint)
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.STORAGES = s3_storages(endpoint, bucket)
    return bucket


def bucket_objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = s3_client(endpoint)
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listing}


