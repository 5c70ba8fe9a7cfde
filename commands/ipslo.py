"""The ``/ipslo`` command: every subcommand, help, and turning a line of text into a reply."""

from __future__ import annotations

import difflib
import functools

from commands import calendar, coe, knowledge, nations, notes, reminders, tracker_import, visits
from commands.language import (
    Caption,
    CommandError,
    Icon,
    Invocation,
    Reply,
    Section,
    Subcommand,
    Text,
    Typed,
    lines,
    words,
)

SUBCOMMANDS: tuple[Subcommand, ...] = (
    *nations.SUBCOMMANDS,
    *coe.SUBCOMMANDS,
    *visits.SUBCOMMANDS,
    *reminders.SUBCOMMANDS,
    *knowledge.SUBCOMMANDS,
    *notes.SUBCOMMANDS,
    *calendar.SUBCOMMANDS,
    *tracker_import.SUBCOMMANDS,
)

SHARE_WORDS = ("share", "public")


def find_subcommand(name: str) -> Subcommand | None:
    name = name.lower()
    for sub in SUBCOMMANDS:
        if name == sub.name or name in sub.aliases:
            return sub
    return None


def help_reply(*, unknown: str | None = None, is_admin: bool = True) -> Reply:
    """The list of commands (for admins, with theirs); with ``unknown``, after saying it is not one of them."""
    return _help(unknown, is_admin) if unknown is not None else _full_help(is_admin)


@functools.cache
def _full_help(is_admin: bool) -> Reply:
    """Help is the same for every officer (and for every admin) while the code is the same: made once per process
    (replies are immutable)."""
    return _help(None, is_admin)


def _help(unknown: str | None, is_admin: bool) -> Reply:
    listed: list[Text] = []
    for sub in SUBCOMMANDS:
        if sub.admin_only and not is_admin:
            continue
        listed.append(words(Typed(f"/ipslo {sub.usage}"), f"  {sub.summary}\n      e.g. ", Typed(sub.example)))
    listed.append(words(Typed("/ipslo help"), "  This list"))
    parts: list = []
    text: Text = "What /ipslo can do"
    if unknown is not None:
        names = [s.name for s in SUBCOMMANDS] + [a for s in SUBCOMMANDS for a in s.aliases] + ["help"]
        close = difflib.get_close_matches(unknown.lower(), names, n=1, cutoff=0.5)
        found = find_subcommand(close[0]) if close and close[0] != "help" else None
        closest = found.name if found else (close[0] if close else None)
        suggestion = words(" Did you mean ", Typed(f"/ipslo {closest}"), "?") if closest else ""
        text = words(f"I don't know the command “{unknown}”.", suggestion)
        parts.append(Section(text, icon=Icon.PUZZLED))
    parts.append(Section(lines(listed)))
    parts.append(
        Caption(
            words(
                "Replies are only visible to you; add ",
                Typed("share"),
                " at the end of status or nations to post for the channel.",
            )
        )
    )
    return Reply(text, header=None if unknown else "IPSLO bot: commands", parts=tuple(parts))


HELP_WORDS = ("help", "?", "-h", "--help")


def subcommand_help(sub: Subcommand) -> Reply:
    said = words(Typed(f"/ipslo {sub.usage}"), f": {sub.summary}")
    return Reply(
        said,
        parts=(
            Section(words(said, "\ne.g. ", Typed(sub.example))),
            Caption(words(Typed("/ipslo help"), " lists every command.")),
        ),
    )


def split_share(sub: Subcommand, text: str) -> tuple[str, bool]:
    tokens = text.split()
    if sub.shareable and tokens and tokens[-1].lower() in SHARE_WORDS:
        return " ".join(tokens[:-1]), True
    return text, False


def reads_only(text: str) -> bool:
    """Whether answering this ``/ipslo`` line writes nothing: help (of any kind) and the subcommands that only read."""
    name, _, rest = text.strip().partition(" ")
    if not name or name.lower() in HELP_WORDS:
        return True
    sub = find_subcommand(name)
    return sub is None or sub.reads_only or rest.strip().lower() in HELP_WORDS


def run(inv: Invocation, text: str) -> Reply:
    """Answer one ``/ipslo`` line. Refusals are raised as CommandError; anything else raised is a bug."""
    name, _, rest = text.strip().partition(" ")
    if not name or name.lower() in HELP_WORDS:
        about = find_subcommand(rest.split()[0]) if rest.split() else None
        return subcommand_help(about) if about else help_reply(is_admin=inv.caller.is_admin)
    sub = find_subcommand(name)
    if sub is not None and rest.strip().lower() in HELP_WORDS:
        return subcommand_help(sub)
    if sub is None:
        return help_reply(unknown=name, is_admin=inv.caller.is_admin)
    if sub.admin_only and not inv.caller.is_admin:
        raise CommandError(
            words(Typed(f"/ipslo {sub.name}"), " records official status, so only admins may run it."),
            hint="Ask an admin (IPSLO_ADMINS) to record it, or to add you.",
        )
    rest, share = split_share(sub, rest)
    if not sub.shareable and not sub.reads_share and rest.split() and rest.split()[-1].lower() == "share":
        raise CommandError(
            words(
                Typed("share"),
                " works with ",
                Typed("status"),
                " and ",
                Typed("nations"),
                "; ",
                Typed(f"/ipslo {sub.name}"),
                " answers only you.",
            ),
            hint=words("Usage: ", Typed(f"/ipslo {sub.usage}")),
        )
    try:
        reply = sub.run(inv, rest.strip())
    except CommandError as error:
        if not error.hint:  # the refusal is turned into a reply by the one boundary (Bot.run); we add the usage
            error.hint = words("Usage: ", Typed(f"/ipslo {sub.usage}"), ", e.g. ", Typed(sub.example))
        raise
    return reply.shared() if share else reply
