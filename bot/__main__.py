"""The command line: ``python -m bot run | scheduler | console | migrate | backup FILE | restore FILE``."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
from pathlib import Path

from slack_sdk.errors import SlackApiError

from bot.settings import Settings, SettingsError
from storage.db import shown_url, without_password


def check_backup_folder(folder: Path) -> None:
    """Stop start-up unless the daily backups can be written into IPSLO_BACKUP_DIR (made if it is missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ipslo-write-check-"):
            pass
    except OSError as error:
        raise SettingsError(
            "IPSLO_BACKUP_DIR must be a folder this process can create and write (the daily backups go there), "
            f"such as /var/backups/ipslo; {folder} is not: {error.strerror or error}."
        ) from None


def check_console_options(args: argparse.Namespace) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.settings import USER_ID

    if not USER_ID.match(args.user):
        raise SettingsError(
            "--user must be a Slack member ID such as U0CONSOLE (capital U, then letters and digits); "
            f"got {args.user!r}."
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
        help=(
            "serve Slack: Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT; "
            "the console when no Slack tokens are set"
        ),
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
    backup = verbs.add_parser(
        "backup", help="write every table of the team's data to FILE (JSON Lines), while the bot runs"
    )
    backup.add_argument("file", help="where to write it; - for standard output")
    restore = verbs.add_parser("restore", help="load a backup FILE into an empty database (migrated first)")
    restore.add_argument("file", help="a file written by python -m bot backup")
    restore.add_argument("--replace", action="store_true", help="overwrite a database that already holds data")
    calendar = verbs.add_parser("calendar", help="write an officer's calendar feed (iCalendar) to standard output")
    calendar.add_argument("--user", required=True, help="the officer's Slack member ID, e.g. U0123ABCD")
    calendar.add_argument("--team", action="store_true", help="the team's feed (every visit, reassessments) instead")
    tracker = verbs.add_parser("import", help="import the team's tracker (CSV or .xlsx): visits, assessments, notes")
    tracker.add_argument("file", help="a CSV or .xlsx file, e.g. an `/ipslo export all` workbook")
    tracker.add_argument("--dry-run", action="store_true", help="show what would be added; write nothing")
    tracker.add_argument("--user", default=None, help="your Slack member ID: each record says who imported it")
    args = parser.parse_args(argv)
    verb = args.verb or "run"

    try:
        settings = Settings.from_env()
        serving = verb == "scheduler" or (verb == "run" and settings.has_slack_tokens)
        from bot.observability import configure_logging

        # LOG_FORMAT=json: one JSON object a line
        configure_logging(logging.INFO if serving else logging.WARNING, settings.log_format)
        if verb == "run" and settings.has_slack_tokens:
            settings.require_slack()
            if not settings.socket_mode:
                from bot.serve import web_processes

                web_processes(settings)  # WEB_CONCURRENCY, WEB_THREADS, WEB_READ_TIMEOUT
        if verb == "scheduler" and not settings.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: the scheduler sends reminders as the bot "
                "(Bot User OAuth Token, xoxb-..., from your Slack app's OAuth & Permissions page)."
            )
        if verb == "console":
            check_console_options(args)
        if serving:
            from storage.backup import scheduled_backups

            try:
                backups = scheduled_backups(dict(os.environ))
            except ValueError as error:
                raise SettingsError(str(error)) from None
            if backups and (verb == "scheduler" or settings.scheduler):  # this process writes the daily backups
                check_backup_folder(backups[0])
        if verb in ("calendar", "import") and args.user is not None:
            check_console_options(argparse.Namespace(user=args.user, tz=None))
        if verb == "import" and not args.dry_run and args.user is None:
            raise SettingsError("say who is importing: --user U0123ABCD (your Slack member ID); every record keeps it.")
    except SettingsError as error:
        print(f"ipslo-bot: {error}", file=sys.stderr)
        return 2

    if verb in ("backup", "restore"):
        return backup_or_restore(verb, args, settings)

    from bot.app import create_app
    from bot.runtime import open_database

    try:
        database = open_database(settings)
    except Exception as error:  # one line, not a stack trace, for an unreachable or broken database
        reason = without_password(str(error).splitlines()[0] if str(error) else "", settings.database_url)
        print(
            f"ipslo-bot: cannot open the database at DATABASE_URL ({shown_url(settings.database_url)}): "
            f"{error.__class__.__name__}: {reason}",
            file=sys.stderr,
        )
        return 2

    if verb == "load-knowledge":
        from storage.knowledge import list_entries, load_knowledge

        with database.sessions.begin() as session:  # opening the database loaded it already; this reports it
            load_knowledge(session=session)
            count = len(list_entries(session=session))
        print(
            f"Knowledge base loaded: {count} entries from storage/reference/knowledge "
            f"({shown_url(settings.database_url)})."
        )
        return 0

    if verb == "calendar":
        from bot.calendar import write_feed

        sys.stdout.buffer.write(write_feed(database, user_id=args.user, scope="team" if args.team else "mine"))
        return 0

    if verb == "import":
        from bot.import_form import run_import

        report = io.StringIO()  # its "Written to <DATABASE_URL>" line: printed with the password masked
        code = run_import(
            settings=settings, database=database, path=args.file, dry_run=args.dry_run, user_id=args.user, out=report
        )
        sys.stdout.write(without_password(report.getvalue(), settings.database_url))
        return code

    if verb == "migrate":
        print(
            f"Database is at the newest schema and the reference data is loaded ({shown_url(settings.database_url)})."
        )
        return 0

    if verb == "scheduler":
        from bot.scheduler import run_scheduler

        if settings.metrics_port:  # the worker's own counters (deliveries retried, failed) for Prometheus
            from bot.observability import serve_metrics

            serve_metrics(settings.metrics_port)

        return run_scheduler(settings=settings, database=database)

    if verb == "console":
        from bot.console import run_console

        return run_console(settings=settings, database=database, admin=args.admin, user_id=args.user, tz=args.tz)
    if not settings.has_slack_tokens:
        from bot.console import run_console  # (the Slack stand-in and its web server: only without Slack)

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
            f"ipslo-bot: Slack at {settings.slack_api_url} did not accept SLACK_BOT_TOKEN "
            f"({str(reason).splitlines()[0]}); "
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


def backup_or_restore(verb: str, args: argparse.Namespace, settings: Settings) -> int:
    """``backup FILE``: the team's data as of one moment; ``restore FILE [--replace]``: into an empty database."""
    from storage.backup import BackupError, read_backup, restore, write_backup
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        if verb == "backup":
            if args.file == "-":
                counts = write_backup(engine, sys.stdout)
            else:
                target = Path(args.file)
                partial = target.with_name(target.name + ".partial")
                with partial.open("w", encoding="utf-8") as out:
                    counts = write_backup(engine, out)
                partial.replace(target)  # never a half-written backup under the real name
            print(f"Backed up {sum(counts.values()):,} rows of {len(counts)} tables to {args.file}.", file=sys.stderr)
            return 0
        try:
            with open(args.file, encoding="utf-8") as lines:
                loaded = restore(engine, read_backup(lines), replace=args.replace)
        except OSError as error:
            raise BackupError(f"cannot read {args.file}: {error.strerror or error}.") from None
        print(f"Restored {sum(loaded.values()):,} rows of {len(loaded)} tables from {args.file}.", file=sys.stderr)
        return 0
    except BackupError as error:
        print(f"ipslo-bot: {verb} {args.file}: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # an unreachable database: one line, not a stack trace
        reason = without_password(str(error).splitlines()[0] if str(error) else "", settings.database_url)
        print(f"ipslo-bot: {verb} {args.file} failed: {error.__class__.__name__}: {reason}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
