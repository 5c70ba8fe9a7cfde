"""Settings: read once from the environment; anything malformed stops start-up with one line naming the variable."""

from __future__ import annotations

import pytest

from bot.settings import GOVSLACK_API_URL, Settings, SettingsError


def test_defaults_run_the_console_on_a_local_sqlite_file() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///data/ipslo.db"
    assert not settings.has_slack_tokens
    assert settings.port == 3000
    assert settings.retry_seconds == 15  # a reminder Slack did not take is first tried again after 15 s
    assert settings.may_use("U0ANYONE")  # no officer list: every member of the workspace


def test_govslack_and_lists_of_people() -> None:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": "https://slack-gov.com/api",
            "IPSLO_ADMINS": "U01ADMIN",
            "IPSLO_OFFICERS": "U01A, U01B",
            "DATABASE_URL": "postgres://u@db:5432/ipslo",
        }
    )
    assert settings.slack_api_url == GOVSLACK_API_URL
    assert settings.is_admin("U01ADMIN") and not settings.is_admin("U01A")
    assert settings.may_use("U01B") and settings.may_use("U01ADMIN") and not settings.may_use("U01C")
    settings.require_slack()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "slack-gov.com/api"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/ipslo"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"PORT": "eighty"}, "PORT"),
        ({"IPSLO_ADMINS": "lee@uscg.mil"}, "IPSLO_ADMINS"),
        ({"IPSLO_TEAM_TZ": "Tokyo"}, "IPSLO_TEAM_TZ"),
        ({"IPSLO_RETRY_SECONDS": "soon"}, "IPSLO_RETRY_SECONDS"),
        ({"IPSLO_RETRY_SECONDS": "0"}, "IPSLO_RETRY_SECONDS"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"IPSLO_METRICS_PORT": "9o9o"}, "IPSLO_METRICS_PORT"),
        ({"IPSLO_METRICS_PORT": "70000"}, "IPSLO_METRICS_PORT"),
        ({"DATABASE_URL": "postgresql//postgres:S3cretPW@db/ipslo"}, "DATABASE_URL"),
    ],
)
def test_malformed_setting_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert str(raised.value).startswith(named)
    assert "\n" not in str(raised.value)
    assert "S3cretPW" not in str(raised.value)


def test_http_mode_needs_the_signing_secret() -> None:
    with pytest.raises(SettingsError, match=r"^SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack()
    Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).require_slack()  # Socket Mode
