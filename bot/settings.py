"""Settings: read once at start from the environment (and a ``.env`` file) into one typed, validated object."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLACK_API_URL = "https://slack.com/api/"
GOVSLACK_API_URL = "https://slack-gov.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///data/ipslo.db"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
DURATION = re.compile(r"^(\d+)\s*([dhm])$")
DURATION_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class SettingsError(Exception):
    """A missing or malformed setting; the message names the variable and how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_API_URL
    admins: frozenset[str] = field(default_factory=frozenset)
    officers: frozenset[str] = field(default_factory=frozenset)  # empty: every member of the workspace
    team_tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))
    port: int = 3000
    visit_reminders: tuple[dt.timedelta, ...] = (dt.timedelta(days=30), dt.timedelta(days=7), dt.timedelta(days=1))
    reminder_grace: dt.timedelta = dt.timedelta(hours=12)
    digest_channel: str | None = None
    digest_cron: str = "0 8 * * mon"
    poll_seconds: float = 10.0
    retry_seconds: float = 15.0  # the first wait after Slack fails a delivery; it doubles with each attempt
    scheduler: bool = True
    public_url: str | None = None  # the web process's public base URL (calendar subscription addresses)
    log_format: str = "text"  # LOG_FORMAT: text, or json (one JSON object a line)
    metrics_port: int | None = None  # IPSLO_METRICS_PORT: the worker's Prometheus metrics

    @property
    def has_slack_tokens(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def may_use(self, user_id: str) -> bool:
        return not self.officers or user_id in self.officers or user_id in self.admins

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def require_slack(self) -> None:
        """Stop start-up unless the tokens this mode needs are set."""
        if not self.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
                "OAuth & Permissions page."
            )
        if not self.socket_mode and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from your Slack app's "
                "Basic Information page (or set SLACK_APP_TOKEN for Socket Mode)."
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
        if env is None:
            if dotenv is not None and dotenv.is_file():
                from dotenv import load_dotenv

                load_dotenv(dotenv, override=False)
            env = os.environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token and not bot_token.startswith("xoxb-"):
            raise SettingsError(
                "SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)."
            )
        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            raise SettingsError(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp- "
                "(Basic Information > App-Level Tokens, scope connections:write)."
            )

        api_url = get("SLACK_API_URL") or SLACK_API_URL
        if not re.match(r"^https?://[^/\s]+(/.*)?$", api_url):
            raise SettingsError(
                f"SLACK_API_URL must be an http(s) URL such as {SLACK_API_URL} or {GOVSLACK_API_URL} for GovSlack; "
                f"got {api_url!r}."
            )
        if not api_url.endswith("/"):
            api_url += "/"

        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        from sqlalchemy.engine import make_url

        from storage.db import normalize_url, shown_url

        try:
            backend = make_url(normalize_url(database_url)).get_backend_name()
        except Exception:
            raise SettingsError(
                "DATABASE_URL is not a database URL: use sqlite:///path/to/file.db or "
                f"postgresql://user@host:5432/dbname; got {shown_url(database_url)!r}."
            ) from None
        if backend not in ("sqlite", "postgresql"):
            raise SettingsError(f"DATABASE_URL must name SQLite or PostgreSQL; got {backend!r}.")

        port_text = get("PORT") or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"PORT must be a TCP port number such as 3000; got {port_text!r}.")

        tz_name = get("IPSLO_TEAM_TZ") or "Asia/Tokyo"
        try:
            team_tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"IPSLO_TEAM_TZ must be an IANA time zone such as Asia/Tokyo; got {tz_name!r}."
            ) from None

        reminders_text = get("IPSLO_VISIT_REMINDERS") or "30d,7d,1d"
        visit_reminders = tuple(
            sorted(
                {
                    duration("IPSLO_VISIT_REMINDERS", part.strip(), example="30d,7d,1d")
                    for part in reminders_text.split(",")
                    if part.strip()
                },
                reverse=True,
            )
        )
        if any(offset.total_seconds() % 86400 for offset in visit_reminders):
            raise SettingsError(
                f"IPSLO_VISIT_REMINDERS must be whole days before a visit, such as 30d,7d,1d; got {reminders_text!r}."
            )
        grace = duration("IPSLO_REMINDER_GRACE", get("IPSLO_REMINDER_GRACE") or "12h", example="12h")

        digest_cron = get("IPSLO_DIGEST_CRON") or "0 8 * * mon"
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(digest_cron, timezone=team_tz)
        except ValueError as error:
            raise SettingsError(
                'IPSLO_DIGEST_CRON must be a cron line (minute hour day month weekday) such as "0 8 * * mon" '
                f"(Mondays 08:00 in IPSLO_TEAM_TZ); got {digest_cron!r}: {error}."
            ) from None
        digest_channel = get("IPSLO_DIGEST_CHANNEL")
        if digest_channel and not re.match(r"^[CG][A-Z0-9]{2,}$", digest_channel):
            raise SettingsError(
                "IPSLO_DIGEST_CHANNEL must be a channel ID such as C012ABCDEF "
                f"(channel details > About, at the bottom); got {digest_channel!r}."
            )

        poll_seconds = seconds(
            "IPSLO_POLL_SECONDS", get("IPSLO_POLL_SECONDS") or "10", low=0.1, high=3600, meaning="", example="10"
        )
        retry_seconds = seconds(
            "IPSLO_RETRY_SECONDS",
            get("IPSLO_RETRY_SECONDS") or "15",
            low=1,
            high=600,
            meaning=" (the first wait before a reminder Slack did not take is tried again)",
            example="15",
        )

        scheduler_text = (get("IPSLO_SCHEDULER") or "on").lower()
        if scheduler_text not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
            raise SettingsError(
                "IPSLO_SCHEDULER must be on or off (off for a web process that only writes, beside a worker); "
                f"got {scheduler_text!r}."
            )

        public_url = get("IPSLO_PUBLIC_URL")
        if public_url and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", public_url):
            raise SettingsError(
                "IPSLO_PUBLIC_URL must be the web process's public base URL, such as https://ipslo.example.org; "
                f"got {public_url!r}."
            )

        log_format = (get("LOG_FORMAT") or "text").lower()
        if log_format not in ("text", "json"):
            raise SettingsError(
                f"LOG_FORMAT must be text (the default) or json (one JSON object a line); got {log_format!r}."
            )

        metrics_text = get("IPSLO_METRICS_PORT")
        if metrics_text is not None and not (metrics_text.isdigit() and 0 < int(metrics_text) < 65536):
            raise SettingsError(
                "IPSLO_METRICS_PORT must be a TCP port number for the worker's Prometheus metrics, such as 9090; "
                f"got {metrics_text!r}."
            )

        return cls(
            database_url=database_url,
            slack_bot_token=bot_token,
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=app_token,
            slack_api_url=api_url,
            admins=user_ids(env, "IPSLO_ADMINS"),
            officers=user_ids(env, "IPSLO_OFFICERS"),
            team_tz=team_tz,
            port=int(port_text),
            visit_reminders=visit_reminders,
            reminder_grace=grace,
            digest_channel=digest_channel,
            digest_cron=digest_cron,
            poll_seconds=poll_seconds,
            retry_seconds=retry_seconds,
            scheduler=scheduler_text in ("on", "true", "1", "yes"),
            public_url=public_url.rstrip("/") if public_url else None,
            log_format=log_format,
            metrics_port=int(metrics_text) if metrics_text else None,
        )


def seconds(name: str, text: str, *, low: float, high: float, meaning: str, example: str) -> float:
    """A number of seconds between ``low`` and ``high``; anything else is a SettingsError naming the variable."""
    try:
        value = float(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise SettingsError(
            f"{name} must be a number of seconds between {low:g} and {high:g}{meaning}, such as {example}; "
            f"got {text!r}."
        )
    return value


def duration(name: str, text: str, *, example: str) -> dt.timedelta:
    """``30d``, ``12h`` or ``90m`` as a timedelta; anything else is a SettingsError naming the variable."""
    match = DURATION.match(text.lower())
    if not match or int(match[1]) <= 0:
        raise SettingsError(
            f"{name} must be a duration such as {example} (d = days, h = hours, m = minutes); got {text!r}."
        )
    return dt.timedelta(**{DURATION_UNITS[match[2]]: int(match[1])})


def user_ids(env: Mapping[str, str], name: str) -> frozenset[str]:
    ids = [part.strip() for part in env.get(name, "").split(",") if part.strip()]
    bad = [i for i in ids if not USER_ID.match(i)]
    if bad:
        raise SettingsError(
            f"{name} must be comma-separated Slack user IDs such as U012ABCDEF (profile > ⋮ > Copy member ID); "
            f"not {', '.join(bad)}."
        )
    return frozenset(ids)
