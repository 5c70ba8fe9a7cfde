"""The command line: ``python -m bot run | scheduler | console | migrate``."""

from __future__ import annotations

import argparse
import logging
import sys

from slack_sdk.errors import SlackApiError

from bot.settings import Settings, SettingsError


def check_console_options(args: argparse.Namespace) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.settings import USER_ID

    if not USER_ID.match(args.user):
        raise SettingsError(
            f"--user must be a Slack member ID such as U0CONSOLE (capital U, then letters and digits); got {args.user!r}."
        )
    if args.tz is not None:
        try:
            ZoneInfo(args.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"--tz must be an IANA time zone such as Asia/Tokyo or America/New_York; got {args.tz!r}."
            ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The IPSLO Slack bot.")
    verbs = parser.add_subparsers(dest="verb")
    verbs.add_parser(
        "run",
        help="serve Slack: Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT; the console when no Slack tokens are set",
    )
    console = verbs.add_parser("console", help="try the bot in this terminal, with a local stand-in for Slack")
    console.add_argument("--admin", action="store_true", help="be an admin (may record assessments)")
    console.add_argument("--user", default="U0CONSOLE", help="your Slack member ID in the console (default U0CONSOLE)")
    console.add_argument("--tz", default=None, help="your time zone, e.g. Asia/Tokyo (default IPSLO_TEAM_TZ)")
    verbs.add_parser("migrate", help="apply database migrations and load the reference data")
    verbs.add_parser(
        "load-knowledge", help="load the knowledge base (storage/reference/knowledge/*.yaml) into the database"
    )
    verbs.add_parser(
        "scheduler", help="deliver reminders and the weekly digest only (the Procfile's worker); needs SLACK_BOT_TOKEN"
    )
    args = parser.parse_args(argv)
    verb = args.verb or "run"

    try:
        settings = Settings.from_env()
        serving = verb == "scheduler" or (verb == "run" and settings.has_slack_tokens)
        logging.basicConfig(
            level=logging.INFO if serving else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        if verb == "run" and settings.has_slack_tokens:
            settings.require_slack()
        if verb == "scheduler" and not settings.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: the scheduler sends reminders as the bot (Bot User OAuth Token, xoxb-..., from your Slack app's OAuth & Permissions page)."
            )
        if verb == "console":
            check_console_options(args)
    except SettingsError as error:
        print(f"ipslo-bot: {error}", file=sys.stderr)
        return 2

    from bot.app import create_app
    from bot.runtime import open_database

    try:
        database = open_database(settings)
    except Exception as error:  # one line, not a stack trace, for an unreachable or broken database
        print(
            f"ipslo-bot: cannot open the database at DATABASE_URL ({settings.database_url}): {error.__class__.__name__}: {str(error).splitlines()[0]}",
            file=sys.stderr,
        )
        return 2

    if verb == "load-knowledge":
        from storage.knowledge import list_entries, load_knowledge

        with database.sessions.begin() as session:  # opening the database loaded it already; this reports it
            load_knowledge(session=session)
            count = len(list_entries(session=session))
        print(f"Knowledge base loaded: {count} entries from storage/reference/knowledge ({settings.database_url}).")
        return 0

    if verb == "migrate":
        print(f"Database is at the newest schema and the reference data is loaded ({settings.database_url}).")
        return 0

    if verb == "scheduler":
        from bot.scheduler import run_scheduler

        return run_scheduler(settings=settings, database=database)

    from bot.console import run_console

    if verb == "console":
        return run_console(settings=settings, database=database, admin=args.admin, user_id=args.user, tz=args.tz)
    if not settings.has_slack_tokens:
        print(
            "No Slack tokens set (SLACK_BOT_TOKEN, SLACK_APP_TOKEN): starting the local console instead.",
            file=sys.stderr,
        )
        return run_console(settings=settings, database=database, admin=False, user_id="U0CONSOLE", tz=None)

    from bot import serve
    from bot.scheduler import ReminderScheduler

    app = create_app(settings=settings, database=database)
    try:  # a wrong token or an unreachable Slack stops start-up with one line, before anything is served or sent
        identity = app.client.auth_test()
        logging.getLogger("ipslo").info("Connected to %s as %s", identity.get("url"), identity.get("user"))
    except Exception as error:
        reason = (
            error.response.get("error") if isinstance(error, SlackApiError) else f"{error.__class__.__name__}: {error}"
        )
        print(
            f"ipslo-bot: Slack at {settings.slack_api_url} did not accept SLACK_BOT_TOKEN ({str(reason).splitlines()[0]}); "
            "check the token, SLACK_API_URL and the network.",
            file=sys.stderr,
        )
        return 2

    def start_scheduler() -> None:
        if settings.scheduler:  # IPSLO_SCHEDULER=off for a web process beside a worker
            ReminderScheduler(settings=settings, database=database).start()

    if settings.socket_mode:
        start_scheduler()
        try:
            serve.serve_socket_mode(app, settings)
        except Exception as error:  # Slack unreachable or the app token refused: one line, not a stack trace
            print(
                f"ipslo-bot: cannot connect to Slack in Socket Mode at {settings.slack_api_url}: "
                f"{error.__class__.__name__}: {str(error).splitlines()[0] if str(error) else ''} "
                "(check SLACK_APP_TOKEN, SLACK_API_URL and the network)",
                file=sys.stderr,
            )
            return 2
    else:
        serve.serve_http(app, database, settings, worker_started=start_scheduler)  # in gunicorn's worker
    return 0


if __name__ == "__main__":
    sys.exit(main())
