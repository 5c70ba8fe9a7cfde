"""A local stand-in of Slack's Web API for the console (and, extended in tests/standin.py, for the tests): answers
like Slack, keeps users, channels, messages, views and files in memory, and builds signed requests as Slack does."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP as _HTTP_POLICY
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

__all__ = ["ApiCall", "ResponsePost", "SlackStandIn", "sign"]

# Block Kit limits Slack enforces server-side (see shared/slack/README.md).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000
RESPONSE_URL_MAX_POSTS = 5
TRIGGER_ID_TTL = 3.0

PERMALINK_HOST = "https://standin.slack.local"


def sign(
    body: str, signing_secret: str, *, timestamp: int | None = None, content_type: str = "application/json"
) -> dict[str, str]:
    """Headers Slack sends with a request: X-Slack-Signature is v0= + HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    from slack_sdk.signature import SignatureVerifier

    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=str(timestamp), body=body) or ""
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": signature,
    }


def _decode_json_arg(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class ApiCall:
    method: str  # e.g. "chat.postMessage"
    args: dict  # decoded arguments (query + form or JSON body); JSON-string fields stay as sent
    token: str | None  # from Authorization: Bearer (or a token form/query field)
    at: float  # time.time() when received
    response: dict | None = None  # the JSON body the stand-in answered (None for non-JSON answers)
    status: int = 200  # HTTP status answered

    def arg(self, name: str, default: Any = None) -> Any:
        """An argument, JSON-decoded if it was sent as a JSON string (blocks, view, files, ...)."""
        if name not in self.args:
            return default
        return _decode_json_arg(self.args[name])

    def blocks(self) -> list | None:
        return self.arg("blocks")

    def view(self) -> dict | None:
        return self.arg("view")


@dataclass
class ResponsePost:  # a post to a response_url
    key: str
    body: dict
    at: float


class _Reply:
    """What the HTTP handler sends back."""

    def __init__(self, status: int = 200, body: dict | str | bytes | None = None, headers: dict | None = None):
        self.status = status
        self.body = body
        self.headers = headers or {}


def _parse_multipart(content_type: str, raw: bytes) -> tuple[dict, dict[str, tuple[str | None, bytes]]]:
    """Fields and files of a multipart/form-data body."""
    msg = BytesParser(policy=_HTTP_POLICY).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str | None, bytes]] = {}
    if not msg.is_multipart():
        return fields, files
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, payload)
        else:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return fields, files


def _parse_body(content_type: str, raw: bytes) -> tuple[dict, dict[str, tuple[str | None, bytes]], str | None]:
    """(args, files, error) from a request body."""
    ctype = content_type.split(";")[0].strip().lower()
    if not raw:
        return {}, {}, None
    if ctype == "application/json":
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            return {}, {}, "invalid_json"
        if not isinstance(data, dict):
            return {}, {}, "json_not_object"
        return data, {}, None
    if ctype == "multipart/form-data":
        fields, files = _parse_multipart(content_type, raw)
        return fields, files, None
    # application/x-www-form-urlencoded, and what urllib sends with no Content-Type
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)), {}, None
    except UnicodeDecodeError:
        return {}, {}, "invalid_charset"


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


class SlackStandIn:
    """A local, in-memory Slack Web API. Use as a context manager or start()/stop()."""

    #: How often the server's thread looks whether stop() was called: stop() waits up to this long.
    poll_interval = 0.05

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-standin",
        team_id: str = "T0STANDIN",
        bot_user_id: str = "U0BOT",
        users: dict[str, dict] | None = None,
        on_call: Callable[[ApiCall], None] | None = None,
        on_response: Callable[[ResponsePost], None] | None = None,
    ):
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_name = "Stand-in Team"
        self.team_domain = "standin"
        self.bot_user_id = bot_user_id
        self.bot_id = "B0STANDIN"
        self.app_id = "A0STANDIN"
        self.on_call = on_call
        self.on_response = on_response

        self._lock = threading.RLock()
        self.calls: list[ApiCall] = []
        self.responses: list[ResponsePost] = []
        self.violations: list[str] = []
        self.internal_errors: list[str] = []  # stand-in bugs / callback exceptions
        self.uploaded_files: dict[str, dict] = {}
        self.downloads: list[tuple[str, bool]] = []  # (file id, sent with the bot token) for each url_private fetch
        self.ephemeral_messages: list[dict] = []
        self.views: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.channels: dict[str, dict] = {}
        self._messages: dict[tuple[str, str], dict] = {}
        self._response_keys: dict[str, int] = {}  # key -> posts so far
        self._triggers: dict[str, float] = {}  # trigger_id -> issued at
        self._ts = itertools.count(1_700_000_000_000_100, 100)
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(2).upper()  # this stand-in's part of every id it makes

        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

        self.add_user(bot_user_id, name="ipslo-bot", real_name="IPSLO Bot", is_bot=True, tz="America/New_York")
        for uid, info in (users or {}).items():
            info = dict(info)
            known = {k: info.pop(k) for k in list(info) if k in _ADD_USER_KW}
            known.setdefault("name", uid.lower())
            self.add_user(uid, **known, **info)

    # ------------------------------------------------------------------ lifecycle
    def start(self, port: int = 0) -> SlackStandIn:
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        server = _QuietServer(("127.0.0.1", port), handler)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": self.poll_interval}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("SlackStandIn is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------------ requests Slack sends to the app
    def slash_command(
        self,
        *,
        command: str,
        text: str,
        user_id: str,
        signing_secret: str,
        channel_id: str = "C0STANDIN",
        timestamp: int | None = None,
    ) -> tuple[str, dict[str, str]]:
        """A slash command exactly as Slack posts it: a form body and its signed headers."""
        from urllib.parse import urlencode

        body = urlencode(
            {
                "token": "deprecated-verification-token",
                "team_id": self.team_id,
                "team_domain": self.team_domain,
                "channel_id": channel_id,
                "channel_name": "ipslo-team",
                "user_id": user_id,
                "user_name": self.users.get(user_id, {}).get("name", user_id.lower()),
                "command": command,
                "text": text,
                "api_app_id": self.app_id,
                "is_enterprise_install": "false",
                "response_url": self.response_url(),
                "trigger_id": self.trigger_id(),
            }
        )
        return body, sign(body, signing_secret, timestamp=timestamp, content_type="application/x-www-form-urlencoded")

    def interaction(
        self, payload: dict, *, signing_secret: str, timestamp: int | None = None
    ) -> tuple[str, dict[str, str]]:
        """An interactivity payload (button, modal, shortcut) as Slack posts it: form field ``payload`` holding JSON."""
        from urllib.parse import urlencode

        payload = {
            "team": {"id": self.team_id, "domain": self.team_domain},
            "api_app_id": self.app_id,
            "token": "deprecated-verification-token",
            **payload,
        }
        payload.setdefault("trigger_id", self.trigger_id())
        payload.setdefault("response_url", self.response_url())
        body = urlencode({"payload": json.dumps(payload)})
        return body, sign(body, signing_secret, timestamp=timestamp, content_type="application/x-www-form-urlencoded")

    # ------------------------------------------------------------------ helpers for tests
    def response_url(self) -> str:
        key = secrets.token_hex(8)
        with self._lock:
            self._response_keys[key] = 0
        return f"{self.base_url}/response/{key}"

    def response_posts(self, key_or_url: str) -> int:
        key = key_or_url.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            return self._response_keys.get(key, 0)

    def trigger_id(self) -> str:
        """A fresh trigger_id; views.open/push with it answer expired_trigger_id after 3 s."""
        tid = f"{next(self._ids)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[tid] = time.time()
        return tid

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        tz: str = "Asia/Tokyo",
        tz_offset: int | None = None,
        deleted: bool = False,
        is_admin: bool = False,
        real_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
        **extra: Any,
    ) -> dict:
        now = datetime.now(ZoneInfo(tz))
        if tz_offset is None:
            tz_offset = int((now.utcoffset() or timedelta()).total_seconds())
        real_name = real_name or name
        profile = {
            "real_name": real_name,
            "display_name": display_name if display_name is not None else name,
            "real_name_normalized": real_name,
            "display_name_normalized": display_name if display_name is not None else name,
            "team": self.team_id,
        }
        if email:
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "tz": tz,
            "tz_label": now.tzname() or tz,
            "tz_offset": tz_offset,
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": profile,
        }
        user.update(extra)
        with self._lock:
            self.users[user_id] = user
        return user

    def add_channel(
        self, channel_id: str, *, name: str, is_private: bool = False, is_archived: bool = False, **extra: Any
    ) -> dict:
        ch = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": False,
            "is_im": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_member": True,
            "created": int(time.time()),
            "context_team_id": self.team_id,
        }
        ch.update(extra)
        with self._lock:
            self.channels[channel_id] = ch
        return ch

    def messages(self, channel: str | None = None) -> list[dict]:
        with self._lock:
            msgs = [dict(m) for m in self._messages.values()]
        if channel is not None:
            msgs = [m for m in msgs if m["channel"] == channel]
        return sorted(msgs, key=lambda m: (m["channel"], float(m["ts"])))

    def reset(self) -> None:
        """Forget recorded calls, posts, violations and messages (users and channels stay)."""
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self.violations.clear()
            self.internal_errors.clear()
            self._messages.clear()
            self.ephemeral_messages.clear()
            self.downloads.clear()

    def add_file(self, name: str, content: bytes, *, user: str) -> dict:
        """A file a member attached in Slack (a form's file field): kept like an upload; its object as Slack shows it
        (a form's view state carries it as ``{"type": "file_input", "files": [this]}``)."""
        with self._lock:
            file_id = self._new_id("F")
            self.uploaded_files[file_id] = {
                "filename": name,
                "title": name,
                "content": content,
                "channel_id": None,
                "length": len(content),
                "completed": True,
                "user": user,
            }
            return self._file_object(file_id)

    @staticmethod
    def file_input_state(*files: dict) -> dict:
        """A file_input element's state in a view_submission, as Slack sends it."""
        return {"type": "file_input", "files": [dict(f) for f in files]}

    def _file_object(self, file_id: str) -> dict:
        rec = self.uploaded_files[file_id]
        name = rec["filename"]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        filetype, mimetype, pretty = _FILE_TYPES.get(extension, ("binary", "application/octet-stream", "Binary"))
        created = int(rec.setdefault("created", time.time()))
        return {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": name,
            "title": rec.get("title") or name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": pretty,
            "user": rec.get("user") or self.bot_user_id,
            "user_team": self.team_id,
            "editable": False,
            "size": len(rec["content"] or b""),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{self.base_url}/files-pri/{self.team_id}-{file_id}/{quote(name)}",
            "url_private_download": f"{self.base_url}/files-pri/{self.team_id}-{file_id}/download/{quote(name)}",
            "permalink": f"{PERMALINK_HOST}/files/{rec.get('user') or self.bot_user_id}/{file_id}/{name}",
            "comments_count": 0,
            "is_starred": False,
            "shares": {},
            "channels": [rec["channel_id"]] if rec.get("channel_id") else [],
            "groups": [],
            "ims": [],
            "has_rich_preview": False,
        }

    # ------------------------------------------------------------------ request handling
    def _next_ts(self) -> str:
        """A message timestamp as Slack makes them: the time it was posted, in microseconds, never repeated."""
        with self._lock:
            n = max(time.time_ns() // 1_000, next(self._ts))
            self._ts = itertools.count(n + 100, 100)
        return f"{n // 1_000_000}.{n % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        """A view or file id, unique as Slack's are: never the same in two runs (the console keeps its database
        between runs, and a form's id is what marks it handled once)."""
        return f"{prefix}0{self._run}{next(self._ids):05X}"

    def _record_violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def _run_callback(self, cb: Callable | None, arg: Any) -> None:
        if cb is None:
            return
        try:
            cb(arg)
        except Exception as exc:
            with self._lock:
                self.internal_errors.append(f"callback {cb!r} raised {exc!r}")

    def _handle_api(self, method: str, args: dict, token: str | None, body_error: str | None) -> _Reply:
        call = ApiCall(method=method, args=args, token=token, at=time.time())
        with self._lock:
            self.calls.append(call)
            reply = self._answer(call, body_error)
            call.status = reply.status
            call.response = reply.body if isinstance(reply.body, dict) else None
        self._run_callback(self.on_call, call)
        return reply

    def _refusal(self, call: ApiCall) -> _Reply | None:
        """A refusal before the method runs; none here. Tests check each call against Slack's API description and
        inject outages (tests/standin.py)."""
        return None

    def _answer(self, call: ApiCall, body_error: str | None) -> _Reply:
        method = call.method
        refused = self._refusal(call)
        if refused is not None:
            return refused
        if body_error:
            return _Reply(200, {"ok": False, "error": body_error})

        if not call.token:
            return _Reply(200, {"ok": False, "error": "not_authed"})
        if call.token != self.bot_token:
            return _Reply(200, {"ok": False, "error": "invalid_auth"})

        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return _Reply(200, {"ok": True})
        result = handler(call.args)
        return result if isinstance(result, _Reply) else _Reply(200, result)

    def _violation(self, call: ApiCall, why: str) -> _Reply:
        args = {k: v for k, v in call.args.items()}
        text = f"{call.method}: {why} (args: {sorted(args)})"
        self.violations.append(text)
        return _Reply(200, {"ok": False, "error": "standin_violation", "detail": text})

    # ---- Block Kit checks Slack makes server-side
    @staticmethod
    def _check_blocks(blocks: Any, limit: int) -> str | None:
        if blocks is None:
            return None
        if not isinstance(blocks, list):
            return "blocks must be a JSON array"
        if len(blocks) > limit:
            return f"must provide an array of no more than {limit} items [json-pointer:/blocks]"
        for i, block in enumerate(blocks):
            if not isinstance(block, dict) or "type" not in block:
                return f"each block needs a type [json-pointer:/blocks/{i}]"
            if block["type"] == "section" and len(_text_of(block.get("text"))) > MAX_SECTION_TEXT:
                return f"must be less than {MAX_SECTION_TEXT + 1} characters [json-pointer:/blocks/{i}/text/text]"
            if block["type"] == "header" and len(_text_of(block.get("text"))) > MAX_HEADER_TEXT:
                return f"must be less than {MAX_HEADER_TEXT + 1} characters [json-pointer:/blocks/{i}/text/text]"
        return None

    def _conversation_id(self, channel: str) -> str:
        # Posting to a user ID posts in the app's DM with that user.
        if channel and channel[0] in "UW" and channel[1:].isalnum():
            return "D" + channel
        return channel

    # ---- realistic methods
    def _m_auth_test(self, args: dict) -> dict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.local/",
            "team": self.team_name,
            "user": self.users.get(self.bot_user_id, {}).get("name", "ipslo-bot"),
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _m_users_info(self, args: dict) -> dict:
        user = self.users.get(args.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": json.loads(json.dumps(user))}

    def _m_users_list(self, args: dict) -> dict:
        members = [json.loads(json.dumps(u)) for u in self.users.values()]
        try:
            start = int(args.get("cursor") or 0)
            limit = int(args.get("limit") or 0)
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        end = start + limit if limit > 0 else len(members)
        next_cursor = str(end) if end < len(members) else ""
        return {
            "ok": True,
            "members": members[start:end],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _m_users_lookupByEmail(self, args: dict) -> dict:
        for u in self.users.values():
            if u["profile"].get("email", "").lower() == str(args.get("email", "")).lower():
                return {"ok": True, "user": json.loads(json.dumps(u))}
        return {"ok": False, "error": "users_not_found"}

    def _m_team_info(self, args: dict) -> dict:
        return {
            "ok": True,
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "icon": {"image_default": True},
            },
        }

    def _m_conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        for u in users:
            known = self.users.get(u)
            if known is not None and known.get("deleted"):
                return {"ok": False, "error": "user_disabled"}
        if len(users) == 1:
            return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": "D" + users[0]}}
        return {"ok": True, "channel": {"id": "G" + "".join(sorted(users))[:20]}}

    def _m_conversations_info(self, args: dict) -> dict:
        cid = self._conversation_id(str(args.get("channel", "")))
        if not cid:
            return {"ok": False, "error": "channel_not_found"}
        ch = self.channels.get(cid)
        if ch is None:
            is_im = cid.startswith("D")
            ch = {
                "id": cid,
                "name": cid.lower(),
                "is_channel": cid.startswith("C"),
                "is_group": False,
                "is_im": is_im,
                "is_private": is_im or cid.startswith("G"),
                "is_archived": False,
                "is_member": True,
                "created": 1700000000,
                "context_team_id": self.team_id,
            }
            if is_im:
                ch["user"] = cid[1:]
        return {"ok": True, "channel": dict(ch)}

    def _archived(self, cid: str) -> bool:
        return bool(self.channels.get(cid, {}).get("is_archived"))

    def _m_chat_postMessage(self, args: dict) -> dict:
        cid = self._conversation_id(str(args["channel"]))
        if self._archived(cid):
            return {"ok": False, "error": "is_archived"}
        blocks = _decode_json_arg(args.get("blocks"))
        attachments = _decode_json_arg(args.get("attachments"))
        if not args.get("text") and not blocks and not attachments:
            return {"ok": False, "error": "no_text"}
        problem = self._check_blocks(blocks, MAX_MESSAGE_BLOCKS)
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        ts = self._next_ts()
        msg = {
            "type": "message",
            "channel": cid,
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": blocks,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        if attachments is not None:
            msg["attachments"] = attachments
        if args.get("thread_ts"):
            msg["thread_ts"] = str(args["thread_ts"])
        if args.get("metadata"):
            msg["metadata"] = _decode_json_arg(args["metadata"])
        self._messages[(cid, ts)] = msg
        out = {k: v for k, v in msg.items() if k != "channel"}
        return {"ok": True, "channel": cid, "ts": ts, "message": out}

    def _m_conversations_history(self, args: dict) -> dict:
        cid = str(args["channel"])
        oldest = float(args.get("oldest") or 0)
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = sorted(
            (m for (channel, ts), m in self._messages.items() if channel == cid and float(ts) > oldest),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )
        messages = [
            {k: v for k, v in m.items() if k != "channel" and (with_metadata or k != "metadata")} for m in found[:limit]
        ]
        return {"ok": True, "messages": messages, "has_more": len(found) > limit}

    def _m_chat_postEphemeral(self, args: dict) -> dict:
        cid = self._conversation_id(str(args["channel"]))
        blocks = _decode_json_arg(args.get("blocks"))
        if not args.get("text") and not blocks and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        problem = self._check_blocks(blocks, MAX_MESSAGE_BLOCKS)
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        if args["user"] in self.users and self.users[args["user"]].get("deleted"):
            return {"ok": False, "error": "user_not_in_channel"}
        ts = self._next_ts()
        self.ephemeral_messages.append(
            {
                "channel": cid,
                "user": args["user"],
                "ts": ts,
                "text": args.get("text", ""),
                "blocks": blocks,
                "thread_ts": args.get("thread_ts"),
            }
        )
        return {"ok": True, "message_ts": ts}

    def _find_message(self, channel: str, ts: str) -> tuple[str, str] | None:
        key = (self._conversation_id(str(channel)), str(ts))
        return key if key in self._messages else None

    def _m_chat_update(self, args: dict) -> dict:
        key = self._find_message(args["channel"], args["ts"])
        if key is None:
            return {"ok": False, "error": "message_not_found"}
        msg = self._messages[key]
        blocks = _decode_json_arg(args["blocks"]) if "blocks" in args else msg.get("blocks")
        problem = self._check_blocks(blocks, MAX_MESSAGE_BLOCKS)
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        if "text" in args:
            msg["text"] = args["text"]
        msg["blocks"] = blocks
        if "attachments" in args:
            msg["attachments"] = _decode_json_arg(args["attachments"])
        msg["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": key[0],
            "ts": key[1],
            "text": msg["text"],
            "message": {k: v for k, v in msg.items() if k != "channel"},
        }

    def _m_chat_delete(self, args: dict) -> dict:
        key = self._find_message(args.get("channel", ""), args.get("ts", ""))
        if key is None:
            return {"ok": False, "error": "message_not_found"}
        del self._messages[key]
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _m_chat_getPermalink(self, args: dict) -> dict:
        cid = self._conversation_id(str(args["channel"]))
        ts = str(args["message_ts"])
        return {"ok": True, "channel": cid, "permalink": f"{PERMALINK_HOST}/archives/{cid}/p{ts.replace('.', '')}"}

    # ---- views
    def _view_problem(self, view: Any) -> str | None:
        if not isinstance(view, dict):
            return "view must be a JSON object"
        if view.get("type") not in ("modal", "home"):
            return "view.type must be modal or home"
        problem = self._check_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
        if problem:
            return problem
        if view.get("type") == "modal" and len(_text_of(view.get("title"))) > MAX_MODAL_TITLE:
            return f"must be less than {MAX_MODAL_TITLE + 1} characters [json-pointer:/view/title/text]"
        if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
            return f"must be less than {MAX_PRIVATE_METADATA + 1} characters [json-pointer:/view/private_metadata]"
        return None

    def _trigger_problem(self, trigger_id: str) -> str | None:
        issued = self._triggers.get(trigger_id)
        if issued is not None and time.time() - issued > TRIGGER_ID_TTL:
            return "expired_trigger_id"
        return None

    def _store_view(
        self, view: dict, *, view_id: str | None = None, previous: dict | None = None, **extra: Any
    ) -> dict:
        vid = view_id or self._new_id("V")
        stored = {
            "id": vid,
            "team_id": self.team_id,
            "type": view.get("type"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": (previous or {}).get("root_view_id", vid),
            "previous_view_id": None,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        stored.update(extra)
        self.views[vid] = stored
        return json.loads(json.dumps(stored))

    def _open_or_push(self, args: dict, push: bool) -> dict:
        problem = self._trigger_problem(str(args["trigger_id"]))
        if problem:
            return {"ok": False, "error": problem}
        view = _decode_json_arg(args["view"])
        problem = self._view_problem(view)
        if problem:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] {problem}"]},
            }
        return {"ok": True, "view": self._store_view(view)}

    def _m_views_open(self, args: dict) -> dict:
        return self._open_or_push(args, push=False)

    def _m_views_push(self, args: dict) -> dict:
        return self._open_or_push(args, push=True)

    def _m_views_update(self, args: dict) -> dict:
        view = _decode_json_arg(args.get("view"))
        if view is None:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": ["[ERROR] missing required field: view"]},
            }
        vid = args.get("view_id")
        if not vid and args.get("external_id"):
            vid = next((v["id"] for v in self.views.values() if v.get("external_id") == args["external_id"]), None)
            if vid is None:
                return {"ok": False, "error": "not_found"}
        if not vid:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": ["[ERROR] either view_id or external_id is required"]},
            }
        previous = self.views.get(vid)
        if previous is None:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != previous["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        problem = self._view_problem(view)
        if problem:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] {problem}"]},
            }
        return {"ok": True, "view": self._store_view(view, view_id=vid, previous=previous)}

    def _m_views_publish(self, args: dict) -> dict:
        view = _decode_json_arg(args["view"])
        problem = self._view_problem(view)
        if not problem and isinstance(view, dict) and view.get("type") != "home":
            problem = "views.publish needs a view of type home"
        if problem:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] {problem}"]},
            }
        user_id = str(args["user_id"])
        existing = next(
            (v for v in self.views.values() if v.get("type") == "home" and v.get("user_id") == user_id), None
        )
        return {
            "ok": True,
            "view": self._store_view(view, view_id=existing["id"] if existing else None, user_id=user_id),
        }

    # ---- files (v2 upload flow)
    def _m_files_getUploadURLExternal(self, args: dict) -> dict:
        try:
            length = int(args["length"])
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._new_id("F")
        self.uploaded_files[file_id] = {
            "filename": args["filename"],
            "title": None,
            "content": None,
            "channel_id": None,
            "length": length,
            "completed": False,
        }
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict) -> dict:
        files = _decode_json_arg(args["files"])
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel_id = args.get("channel_id") or None
        channels = [c for c in str(args.get("channels") or "").split(",") if c]
        if channel_id:
            channels.insert(0, channel_id)
        out = []
        for f in files:
            fid = f.get("id") if isinstance(f, dict) else None
            rec = self.uploaded_files.get(fid or "")
            if rec is None or rec["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            rec["title"] = f.get("title") or rec["filename"]
            rec["channel_id"] = channel_id or (channels[0] if channels else None)
            rec["completed"] = True
            out.append(
                {
                    "id": fid,
                    "created": int(time.time()),
                    "timestamp": int(time.time()),
                    "name": rec["filename"],
                    "title": rec["title"],
                    "size": len(rec["content"]),
                    "user": self.bot_user_id,
                    "permalink": f"{PERMALINK_HOST}/files/{self.bot_user_id}/{fid}/{rec['filename']}",
                }
            )
        for ch in channels:
            cid = self._conversation_id(ch)
            ts = self._next_ts()
            msg = {
                "type": "message",
                "channel": cid,
                "ts": ts,
                "text": args.get("initial_comment", ""),
                "blocks": None,
                "files": [dict(o) for o in out],
                "upload": True,
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
            }
            if args.get("thread_ts"):
                msg["thread_ts"] = str(args["thread_ts"])
            self._messages[(cid, ts)] = msg
        return {"ok": True, "files": out}

    def _m_files_info(self, args: dict) -> dict:
        rec = self.uploaded_files.get(str(args.get("file") or ""))
        if rec is None or rec["content"] is None:
            return {"ok": False, "error": "file_not_found"}
        file = self._file_object(str(args["file"]))
        return {"ok": True, "file": file, "comments": [], "response_metadata": {"next_cursor": ""}}

    def _handle_download(self, file_id: str, token: str | None) -> _Reply:
        """``url_private`` / ``url_private_download``: the bytes for a request with the bot token in an Authorization
        header; without it, Slack's sign-in page (HTML), as Slack answers a browser that is not signed in."""
        with self._lock:
            rec = self.uploaded_files.get(file_id)
            authorized = token == self.bot_token
            self.downloads.append((file_id, authorized))
            if rec is None or rec["content"] is None:
                return _Reply(404, b"<html><body>File not found</body></html>", {"Content-Type": "text/html"})
            if not authorized:
                page = b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"
                return _Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})
            mimetype = self._file_object(file_id)["mimetype"]
            disposition = f'attachment; filename="{rec["filename"]}"'
            return _Reply(200, bytes(rec["content"]), {"Content-Type": mimetype, "Content-Disposition": disposition})

    def _handle_upload(self, file_id: str, content_type: str, raw: bytes) -> _Reply:
        with self._lock:
            rec = self.uploaded_files.get(file_id)
            if rec is None:
                return _Reply(404, b"not found", {"Content-Type": "text/plain"})
            content = raw
            if content_type.split(";")[0].strip().lower() == "multipart/form-data":
                _fields, files = _parse_multipart(content_type, raw)
                if files:
                    content = next(iter(files.values()))[1]
            rec["content"] = content
            if rec.get("length") is not None and rec["length"] != len(content):
                self.violations.append(
                    f"upload {file_id}: declared length {rec['length']} but {len(content)} bytes sent"
                )
        return _Reply(200, b"OK - " + str(len(content)).encode(), {"Content-Type": "text/plain"})

    def _handle_response_url(self, key: str, content_type: str, raw: bytes) -> _Reply:
        if content_type.split(";")[0].strip().lower() == "application/json":
            try:
                body = json.loads(raw.decode("utf-8") or "{}")
            except ValueError:
                return _Reply(400, b"invalid_payload", {"Content-Type": "text/plain"})
        else:
            body, _files, _err = _parse_body(content_type, raw)
            if "payload" in body:
                body = _decode_json_arg(body["payload"])
        post = ResponsePost(key=key, body=body if isinstance(body, dict) else {"payload": body}, at=time.time())
        with self._lock:
            self.responses.append(post)
            count = self._response_keys.get(key, 0) + 1
            self._response_keys[key] = count
            if count > RESPONSE_URL_MAX_POSTS:
                self.violations.append(
                    f"response_url {key}: post #{count}; Slack accepts only {RESPONSE_URL_MAX_POSTS} (used_url)"
                )
        self._run_callback(self.on_response, post)
        return _Reply(200, b"ok", {"Content-Type": "text/html"})


#: filetype, mimetype and pretty_type as files.info gives them, by file name extension.
_FILE_TYPES = {
    "csv": ("csv", "text/csv", "CSV"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel Spreadsheet"),
    "xls": ("xls", "application/vnd.ms-excel", "Excel Spreadsheet"),
    "txt": ("text", "text/plain", "Plain Text"),
    "pdf": ("pdf", "application/pdf", "PDF"),
    "png": ("png", "image/png", "PNG"),
    "md": ("markdown", "text/plain", "Markdown (raw)"),
    "ics": ("text", "text/calendar", "Plain Text"),
}

_ADD_USER_KW = {"name", "tz", "tz_offset", "deleted", "is_admin", "real_name", "display_name", "email", "is_bot"}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # Connections waiting to be accepted. socketserver's default of 5 overflows when a few bot processes call at once
    # and this process is busy: the kernel then resets or drops the connections past it, which real Slack never does
    # (two schedulers sending 200 reminders saw ConnectionResetError and retried, attempts 2).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:  # client hung up, etc.
        pass


class _Handler(BaseHTTPRequestHandler):
    standin: SlackStandIn  # set on the per-instance subclass
    server_version = "SlackStandIn/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            parts = urlsplit(self.path)
            content_type = self.headers.get("Content-Type", "")
            reply = self._route(parts.path, parts.query, content_type, raw)
        except Exception as exc:
            with self.standin._lock:
                self.standin.internal_errors.append(f"{self.command} {self.path}: {exc!r}")
            reply = _Reply(500, {"ok": False, "error": "standin_internal_error", "detail": repr(exc)})
        self._send(reply)

    def _route(self, path: str, query: str, content_type: str, raw: bytes) -> _Reply:
        m = re.fullmatch(r"/api/([A-Za-z0-9_.]+)", path)
        if m:
            args = dict(parse_qsl(query, keep_blank_values=True))
            body_args, _files, body_error = _parse_body(content_type, raw)
            args.update(body_args)
            token = None
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
            form_token = args.pop("token", None)
            token = token or form_token
            return self.standin._handle_api(m.group(1), args, token, body_error)
        m = re.fullmatch(r"/upload/([A-Za-z0-9]+)", path)
        if m and self.command == "POST":
            return self.standin._handle_upload(m.group(1), content_type, raw)
        m = re.fullmatch(r"/files-pri/[A-Za-z0-9]+-([A-Za-z0-9]+)/(?:download/)?[^/]+", path)
        if m and self.command == "GET":
            auth = self.headers.get("Authorization", "")
            return self.standin._handle_download(
                m.group(1), auth[7:].strip() if auth.lower().startswith("bearer ") else None
            )
        m = re.fullmatch(r"/response/([A-Za-z0-9_-]+)", path)
        if m and self.command == "POST":
            return self.standin._handle_response_url(m.group(1), content_type, raw)
        return _Reply(404, b"not found", {"Content-Type": "text/plain"})

    def _send(self, reply: _Reply) -> None:
        body = reply.body
        headers = dict(reply.headers)
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        elif body is None:
            data = b""
        else:
            data = body
        self.send_response(reply.status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
