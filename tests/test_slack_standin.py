"""Tests for bot.slack_standin, driven by the real slack_sdk.WebClient."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from tests.standin import CheckedSlack as SlackStandIn
from tests.standin import spec_required_params

TOKEN = "xoxb-standin"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def standin():
    with SlackStandIn(users={"U1": {"name": "alice", "tz": "America/New_York"}}) as s:
        yield s


@pytest.fixture
def client(standin):
    return WebClient(base_url=standin.api_url, token=TOKEN, timeout=5)


def test_spec_loaded_once_with_required_params():
    req = spec_required_params()
    assert spec_required_params() is req
    assert req["chat.update"] == {"channel", "ts"}
    assert req["chat.postMessage"] == {"channel"}
    assert req["views.open"] == {"trigger_id", "view"}
    assert "files.getUploadURLExternal" in req and "files.completeUploadExternal" in req
    assert all("token" not in params for params in req.values())


def test_auth_test(standin, client):
    resp = client.auth_test()
    assert resp["user_id"] == "U0BOT" and resp["team_id"] == "T0STANDIN" and resp["bot_id"]
    assert standin.calls_to("auth.test")[0].token == TOKEN


def test_post_message_recorded_and_listed(standin, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    r1 = client.chat_postMessage(channel="C1", text="hello", blocks=blocks)
    r2 = client.chat_postMessage(channel="C1", text="again")
    assert r1["ok"] and r1["channel"] == "C1"
    assert float(r2["ts"]) > float(r1["ts"])
    assert r1["message"]["text"] == "hello"

    call = standin.calls_to("chat.postMessage")[0]
    assert call.args["channel"] == "C1"
    assert call.blocks() == blocks  # chat_postMessage sends JSON
    client.api_call("chat.postMessage", data={"channel": "C1", "text": "form", "blocks": json.dumps(blocks)})
    form_call = standin.calls_to("chat.postMessage")[-1]
    assert isinstance(form_call.args["blocks"], str)  # form-encoded JSON string, as sent
    assert form_call.blocks() == blocks

    msgs = standin.messages("C1")
    assert [m["text"] for m in msgs] == ["hello", "again", "form"]
    assert msgs[0]["blocks"] == blocks and msgs[0]["ts"] == r1["ts"]
    assert standin.messages("C2") == []
    assert standin.violations == []


def test_post_to_user_id_goes_to_dm(standin, client):
    dm = client.conversations_open(users="U1")["channel"]["id"]
    resp = client.chat_postMessage(channel="U1", text="dm")
    assert resp["channel"] == dm == "DU1"
    assert standin.messages(dm)[0]["text"] == "dm"


def test_chat_update_and_delete(standin, client):
    ts = client.chat_postMessage(channel="C1", text="v1")["ts"]
    client.chat_update(channel="C1", ts=ts, text="v2")
    assert [m["text"] for m in standin.messages("C1")] == ["v2"]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://standin.slack.local/archives/C1/p{ts.replace('.', '')}"
    client.chat_delete(channel="C1", ts=ts)
    assert standin.messages("C1") == []
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts=ts, text="v3")
    assert err.value.response["error"] == "message_not_found"


def test_users_info_returns_tz(standin, client):
    standin.add_user("U2", name="bob", tz="Asia/Tokyo")
    user = client.users_info(user="U2")["user"]
    assert user["tz"] == "Asia/Tokyo" and user["tz_offset"] == 9 * 3600
    assert user["profile"]["display_name"] == "bob" and user["deleted"] is False
    assert client.users_info(user="U1")["user"]["tz"] == "America/New_York"
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="UNOBODY")
    assert err.value.response["error"] == "user_not_found"
    ids = {m["id"] for m in client.users_list()["members"]}
    assert {"U0BOT", "U1", "U2"} <= ids
    assert standin.violations == []


def test_unknown_method_is_violation(standin, client):
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.fakeMethod")
    assert err.value.response["error"] == "standin_violation"
    assert len(standin.violations) == 1 and "chat.fakeMethod" in standin.violations[0]
    assert standin.calls_to("chat.fakeMethod")


def test_missing_required_argument_is_violation(standin, client):
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.update", json={"channel": "C1"})
    assert err.value.response["error"] == "standin_violation"
    assert len(standin.violations) == 1
    assert "chat.update" in standin.violations[0] and "ts" in standin.violations[0]


def test_retired_files_upload_is_violation(standin, client):
    with pytest.raises(SlackApiError):
        client.api_call("files.upload", data={"content": "x", "channels": "C1"})
    assert "files.upload" in standin.violations[0]


def test_bad_token_is_invalid_auth_not_violation(standin):
    bad = WebClient(base_url=standin.api_url, token="xoxb-wrong")
    with pytest.raises(SlackApiError) as err:
        bad.auth_test()
    assert err.value.response["error"] == "invalid_auth"
    assert standin.violations == []


def test_rate_limit_is_retried(standin, client):
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    standin.fail_next("chat.postMessage", status=429, retry_after=0)
    resp = client.chat_postMessage(channel="C1", text="after 429")
    assert resp["ok"]
    calls = standin.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert len(standin.messages("C1")) == 1


def test_rate_limit_without_handler_raises(standin, client):
    standin.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers.get("Retry-After") == "7"
    assert err.value.response["error"] == "ratelimited"


def test_permanent_error(standin, client):
    standin.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C404", text="x")
    assert err.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C404", text="x")["ok"]  # only once


def test_server_error_html_body(standin, client):
    standin.fail_next("users.info", status=503)
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U1")
    assert err.value.response.status_code == 503


def test_block_limit_enforced_like_slack(standin, client):
    blocks = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="many", blocks=blocks)
    assert err.value.response["error"] == "invalid_blocks"


def test_views_open_update(standin, client):
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Port visit"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    opened = client.views_open(trigger_id=standin.trigger_id(), view=view)["view"]
    assert opened["id"].startswith("V") and opened["blocks"] == view["blocks"]
    updated = client.views_update(view_id=opened["id"], view=dict(view, blocks=[]))["view"]
    assert updated["id"] == opened["id"] and updated["blocks"] == []
    call = standin.calls_to("views.open")[0]
    assert call.view()["title"]["text"] == "Port visit"


def test_files_upload_v2_roundtrip(standin, client):
    content = "name,port\nalice,Yokohama\n"
    resp = client.files_upload_v2(
        channel="C1", content=content, filename="report.csv", title="Report", initial_comment="here"
    )
    file_id = resp["file"]["id"]
    stored = standin.uploaded_files[file_id]
    assert stored["content"] == content.encode()
    assert stored["filename"] == "report.csv" and stored["title"] == "Report"
    assert stored["channel_id"] == "C1"
    msg = standin.messages("C1")[0]
    assert msg["text"] == "here" and msg["files"][0]["id"] == file_id
    assert standin.violations == []


def test_response_url_post_recorded():
    seen = []
    with SlackStandIn(on_response=seen.append) as standin:
        url = standin.response_url()
        body = json.dumps({"text": "done", "response_type": "ephemeral"}).encode()
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=5) as resp:
            assert resp.status == 200 and resp.read() == b"ok"
        assert standin.wait_for(lambda: len(standin.responses) == 1, timeout=2)
        post = standin.responses[0]
        assert url.endswith(post.key) and post.body["text"] == "done"
        assert seen == [post]
        assert standin.response_posts(url) == 1


def test_on_call_callback_and_wait_for():
    seen = []
    with SlackStandIn(on_call=seen.append) as standin:
        WebClient(base_url=standin.api_url, token=TOKEN).auth_test()
        assert standin.wait_for(lambda: len(seen) == 1, timeout=2)
        assert seen[0].method == "auth.test" and seen[0].at <= time.time()
        assert not standin.wait_for(lambda: False, timeout=0.05)
