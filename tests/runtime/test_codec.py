"""Personal data in Temporal payloads is encrypted, and the codec server shows it to the UI."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():  # this module defines a workflow: keep them out of the sandbox
    from devstack.codec_server import CodecServer
    from devstack.devserver import free_port
    from runtime import config
    from runtime.client import data_converter
    from runtime.codec import ENCODING, REFUSED, EncryptionCodec, new_key
    from runtime.config import Settings

SUBJECT = {"family_name": "MARCHETTI", "forenames": "Lucien Paul", "date_of_birth": "1979-04-12"}


@pytest.fixture
def codec() -> EncryptionCodec:
    return EncryptionCodec.from_base64(new_key())


def _payload() -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([SUBJECT])[0]


async def test_a_payload_survives_the_round_trip(codec: EncryptionCodec):
    original = _payload()
    [decoded] = await codec.decode(await codec.encode([original]))
    assert decoded == original
    assert pydantic_data_converter.payload_converter.from_payloads([decoded])[0] == SUBJECT


async def test_an_encrypted_payload_does_not_show_the_person(codec: EncryptionCodec):
    [sealed] = await codec.encode([_payload()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata["encryption-key-id"].decode() == codec.key_id
    assert b"MARCHETTI" not in sealed.SerializeToString()
    assert b"json/plain" not in sealed.SerializeToString()


async def test_another_key_cannot_open_it(codec: EncryptionCodec):
    [sealed] = await codec.encode([_payload()])
    other = EncryptionCodec.from_base64(new_key())
    with pytest.raises(ValueError, match="sealed with key"):
        other.decrypt(sealed)
    [opened] = await other.decode([sealed])
    assert opened.metadata["encoding"] == REFUSED
    assert b"sealed with key" in opened.metadata["refused-reason"]
    assert b"MARCHETTI" not in opened.SerializeToString()


async def test_decode_refuses_a_payload_the_key_did_not_seal_and_no_converter_reads_it(codec: EncryptionCodec):
    """A client without the key sends plain JSON: the worker's codec does not let it through."""
    [opened] = await codec.decode([_payload()])
    assert opened.metadata["encoding"] == REFUSED
    assert opened.data == b""
    with pytest.raises(KeyError, match="binary/refused"):
        pydantic_data_converter.payload_converter.from_payloads([opened])


async def test_a_tampered_payload_is_refused_too(codec: EncryptionCodec):
    [sealed] = await codec.encode([_payload()])
    sealed.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    [opened] = await codec.decode([sealed])
    assert opened.metadata["encoding"] == REFUSED
    assert b"does not authenticate" in opened.metadata["refused-reason"]


async def test_the_codec_servers_decrypt_shows_an_unencrypted_payload_as_it_is(codec: EncryptionCodec):
    """For operators reading a history: a forged message is shown for what it is."""
    plain = _payload()
    assert codec.decrypt(plain) == plain


def test_payload_key_comes_from_the_environment_else_from_the_file_make_run_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(config, "VAR_DIR", tmp_path)
    monkeypatch.delenv("PAYLOAD_KEY", raising=False)
    monkeypatch.delenv("CODEC_TOKEN", raising=False)
    assert Settings().payload_key is None
    assert Settings().codec_token is None

    key = new_key()
    (tmp_path / "payload.key").write_text(key + "\n")
    (tmp_path / "codec.token").write_text("t0ken\n")
    assert config.payload_key_file() == tmp_path / "payload.key"
    assert Settings().payload_key == key
    assert Settings().codec_token == "t0ken"

    other = new_key()
    monkeypatch.setenv("PAYLOAD_KEY", other)
    assert Settings().payload_key == other
    monkeypatch.setenv("PAYLOAD_KEY", "")  # set and empty: encryption explicitly off, the file not read
    assert Settings().payload_key is None
    assert data_converter(Settings()).payload_codec is None


def _post(url: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, dict, dict[str, str]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}"), dict(err.headers)


def _wire(payload: Payload) -> dict:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def test_the_codec_server_decodes_for_the_ui_over_http(codec: EncryptionCodec):
    [sealed] = await codec.encode([_payload()])
    with CodecServer(codec, port=free_port()) as server:
        status, answer, headers = await asyncio.to_thread(
            _post, f"{server.url}/decode", {"payloads": [_wire(sealed)]},
            {"Origin": "http://127.0.0.1:8233", "X-Namespace": "default"},
        )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8233"
    [shown] = answer["payloads"]
    assert base64.b64decode(shown["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(shown["data"])) == SUBJECT


async def test_the_codec_server_encodes_too(codec: EncryptionCodec):
    with CodecServer(codec, port=free_port()) as server:
        status, answer, _ = await asyncio.to_thread(_post, f"{server.url}/encode", {"payloads": [_wire(_payload())]})
    assert status == 200
    [sealed] = answer["payloads"]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == ENCODING


async def test_the_codec_server_refuses_callers_without_the_token(codec: EncryptionCodec):
    [sealed] = await codec.encode([_payload()])
    with CodecServer(codec, port=free_port(), token="s3cret") as server:
        refused, _, _ = await asyncio.to_thread(_post, f"{server.url}/decode", {"payloads": [_wire(sealed)]})
        allowed, _, _ = await asyncio.to_thread(
            _post, f"{server.url}/decode", {"payloads": [_wire(sealed)]}, {"Authorization": "Bearer s3cret"}
        )
    assert (refused, allowed) == (401, 200)


@workflow.defn(sandboxed=True)
class Echo:
    @workflow.run
    async def run(self, subject: dict) -> dict:
        return subject


async def test_with_a_payload_key_the_server_stores_only_ciphertext(
    time_skipping_env: WorkflowEnvironment, task_queue: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAYLOAD_KEY", new_key())
    encrypting = Client(
        time_skipping_env.client.service_client,
        namespace=time_skipping_env.client.namespace,
        data_converter=data_converter(Settings()),
    )
    async with Worker(encrypting, task_queue=task_queue, workflows=[Echo]):
        handle = await encrypting.start_workflow(Echo.run, SUBJECT, id=f"echo-{task_queue}", task_queue=task_queue)
        assert await handle.result() == SUBJECT
    history = await time_skipping_env.client.get_workflow_handle(handle.id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    [stored] = started.input.payloads
    assert stored.metadata["encoding"] == ENCODING
    assert b"MARCHETTI" not in stored.data


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        body: bytes = response.read()
        return body


def _login(url: str, token: str) -> tuple[int, str | None]:
    request = urllib.request.Request(
        f"{url}/login", data=urllib.parse.urlencode({"token": token}).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers.get("Set-Cookie")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Set-Cookie")


async def test_a_browser_signs_in_with_the_token_and_its_cookie_lets_the_ui_decode(codec: EncryptionCodec):
    [sealed] = await codec.encode([_payload()])
    with CodecServer(codec, port=free_port(), token="s3cret") as server:
        page = await asyncio.to_thread(_get, f"{server.url}/login")
        assert b'name="token"' in page
        wrong, no_cookie = await asyncio.to_thread(_login, server.url, "guess")
        status, cookie = await asyncio.to_thread(_login, server.url, "s3cret")
        assert cookie is not None
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        pair = cookie.split(";")[0]
        body = {"payloads": [_wire(sealed)]}
        with_cookie, answer, _ = await asyncio.to_thread(
            _post, f"{server.url}/decode", body, {"Cookie": pair, "Origin": "http://127.0.0.1:8233"}
        )
        forged, _, _ = await asyncio.to_thread(_post, f"{server.url}/decode", body, {"Cookie": "codec_token=guess"})
    assert (wrong, no_cookie, status) == (401, None, 200)
    assert (with_cookie, forged) == (200, 401)
    assert json.loads(base64.b64decode(answer["payloads"][0]["data"])) == SUBJECT
