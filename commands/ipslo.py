"""The ``/ipslo`` command: every subcommand, help, and turning a line of text into a reply."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import replace

from commands import calendar, coe, knowledge, nations, notes, reminders, tracker_import, visits
from commands.ids import Action
from commands.language import (
    Button,
    Buttons,
    Caption,
    CommandError,
    Icon,
    Invocation,
    Reply,
    Section,
    Subcommand,
    Text,
    Typed,
    echoed,
    joined,
    lines,
    words,
)
from commands.lookup import Ambiguous, Exact, nation_lookup

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
BUTTON_VALUE_CHARS = 2000  # Block Kit's limit on a button's value


def find_subcommand(name: str) -> Subcommand | None:
    name = name.lower()
    for sub in SUBCOMMANDS:
        if name == sub.name or name in sub.aliases:
            return sub
    return None


@functools.cache
def help_reply(*, is_admin: bool = True) -> Reply:
    """The list of commands (for admins, with theirs). The same for every officer (and every admin) while the code is
    the same: made once per process (replies are immutable)."""
    listed: list[Text] = []
    for sub in SUBCOMMANDS:
        if sub.admin_only and not is_admin:
            continue
        listed.append(words(Typed(f"/ipslo {sub.usage}"), f"  {sub.summary}\n      e.g. ", Typed(sub.example)))
    listed.append(words(Typed("/ipslo help"), "  This list"))
    caption = words(
        "Replies are only visible to you; add ",
        Typed("share"),
        " at the end of status or nations to post for the channel.",
    )
    return Reply("What /ipslo can do", header="IPSLO bot: commands", parts=(Section(lines(listed)), Caption(caption)))


def closest_subcommand(typed: str, cutoff: float = 0.6) -> Subcommand | None:
    """The command a mistyped one was most likely meant as ("statsu" -> status), or None."""
    names = [s.name for s in SUBCOMMANDS] + [a for s in SUBCOMMANDS for a in s.aliases]
    close = difflib.get_close_matches(typed.lower(), names, n=1, cutoff=cutoff)
    return find_subcommand(close[0]) if close else None


#: Words that come second in a command ("coe history", "visit cancel"), typed first: the commands they belong to.
SECOND_WORDS: dict[str, tuple[tuple[str, str], ...]] = {  # the command, and what it takes next: a nation or an id
    "history": (("coe history", "nation"), ("note history", "id")),
    "cancel": (("visit cancel", "id"), ("reminder cancel", "id")),
    "move": (("visit move", "id"),),
    "add": (("visit add", "nation"), ("note", "nation")),
    "edit": (("note edit", "id"),),
    "delete": (("note delete", "id"),),
    "restore": (("note restore", "id"),),
    "misses": (("ask misses", ""),),
}


def names_command(word: str, command: str) -> bool:
    """Whether ``word`` names the command ``command`` (its name, an alias, or its plural: "reminders", "visits")."""
    word = word.lower()
    sub = find_subcommand(command)
    return word in (command, f"{command}s") or (sub is not None and find_subcommand(word) is sub)


def second_word_first(name: str, rest: str) -> Reply | None:
    """ "history fiji", "cancel 3": a word of a command typed without the command; the commands it belongs to, with
    the rest of the line, to send instead (never run on a guess: several of them write)."""
    meant = SECOND_WORDS.get(name.lower())
    if meant is None:
        return None
    typed = rest.split()
    named = [m for m, _ in meant if typed and names_command(typed[0], m.split()[0])]
    if named:  # "cancel reminder 5": the command's name follows; it goes first, the word after it
        offered = [f"/ipslo {' '.join((m, *typed[1:]))}" for m in named]
    else:
        first = typed[0] if typed else ""
        takes = "id" if first.isdigit() else "nation" if first else ""
        fitting = [m for m, arg in meant if not takes or not arg or arg == takes] or [m for m, _ in meant]
        offered = [f"/ipslo {' '.join((m, *typed))}" for m in fitting]
    said = words(
        f"“{echoed(name, 30)}” goes after the command it belongs to. Did you mean ",
        joined((Typed(echoed(o)) for o in offered), " or "),
        "?",
    )
    return Reply(
        said,
        parts=(Section(said, icon=Icon.PUZZLED), Caption(words(Typed("/ipslo help"), " lists every command."))),
    )


def unknown_command(inv: Invocation, name: str, rest: str) -> Reply:
    """A first word that is no command: the command it was most likely meant as, with the whole line retyped and (for
    a command that only reads) a button that runs it; otherwise the commands' names in one line. Never the whole help
    list: ``/ipslo help`` has it."""
    second = second_word_first(name, rest)
    if second is not None:
        return second
    meant = closest_subcommand(name)
    if meant is not None and (not meant.admin_only or inv.caller.is_admin):
        retyped = " ".join((meant.name, *rest.split()))
        said = words(
            f"I don't know the command “{echoed(name, 30)}”. Did you mean ", Typed(f"/ipslo {echoed(retyped)}"), "?"
        )
        parts: list = [
            Section(said, icon=Icon.PUZZLED),
            Section(words(Typed(f"/ipslo {meant.usage}"), f"  {meant.summary}\n      e.g. ", Typed(meant.example))),
        ]
        # a button runs it only when it has what it needs: "stauts" alone would run "status" and be asked "Which
        # nation?"; the usage and example above say what to add
        complete = bool(rest.split()) or not re.match(r"\S+ <", meant.usage)
        if (meant.reads_only or meant.repeatable) and complete and len(retyped) <= BUTTON_VALUE_CHARS:
            parts.append(Buttons((Button(f"/ipslo {retyped}", Action.RUN, retyped, style="primary"),)))
        parts.append(Caption(words(Typed("/ipslo help"), " lists every command.")))
        return Reply(said, parts=tuple(parts))
    shown = [s.name for s in SUBCOMMANDS if not s.admin_only or inv.caller.is_admin]
    said = words(f"I don't know the command “{echoed(name, 30)}”.")
    commands = words("Commands: ", *(part for n in shown for part in (Typed(n), " ")))
    return Reply(
        said,
        parts=(
            Section(said, icon=Icon.PUZZLED),
            Section(commands),
            Caption(
                words(
                    Typed("/ipslo help"),
                    " shows each with an example; a nation alone shows its status, e.g. ",
                    Typed("/ipslo fiji"),
                    ".",
                )
            ),
        ),
    )


HELP_WORDS = ("help", "?", "-h", "--help")
HELP_CUTOFF = 0.75  # "help remidn" is remind; "help nonsense" is no command, not "notes"


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


#: Commands whose words after their name are the officer's own from the first (a question, search words, a term).
OWN_WORDS_AFTER_NAME = ("ask", "search", "isps")


def command_words(typed: list[str]) -> int:
    """How many of a line's first words (``typed``: up to four) select the command and what it acts on, the words
    the commands part with a plain space: its name and the word after it (a verb, a nation, a number), and after
    ``note <verb>`` the note's number ("note edit 12 <text>"). A tab or pasted space after them is a space
    (bot/runtime.py's ``command_spaces``); the rest of the line, a note's text, stays as typed."""
    if not typed:
        return 0
    sub = find_subcommand(typed[0])
    if sub is not None and sub.name in OWN_WORDS_AFTER_NAME:
        return 1
    if sub is not None and sub.name == "note" and len(typed) > 2 and typed[1].lower() in notes.NOTE_VERBS:
        return 3 if notes.looks_numbered(typed[2]) else 2
    return 2


def as_meant(text: str) -> str:
    """A line as it is meant when its words say so: "reminders cancel 3" is "reminder cancel 3" (which writes), not
    the list of reminders. (Tabs and pasted spaces between the command's words are spaces already: bot/runtime.py's
    ``command_spaces``, before any listener reads the line.)"""
    name, _, rest = text.strip().partition(" ")
    if name.lower() == "reminders" and rest.split() and rest.split()[0].lower() in reminders.CANCEL_VERBS:
        return f"reminder {rest.strip()}"
    return text


def reads_only(text: str) -> bool:
    """Whether answering this ``/ipslo`` line writes nothing: help (of any kind) and the subcommands that only read."""
    name, _, rest = as_meant(text).strip().partition(" ")
    if not name or name.lower() in HELP_WORDS:
        return True
    sub = find_subcommand(name)
    return sub is None or sub.reads_only or rest.strip().lower() in HELP_WORDS


def kept(text: str) -> bool:
    """Whether this line's answer may be given again until the data it shows changes (``Subcommand.kept``)."""
    name, _, rest = as_meant(text).strip().partition(" ")
    sub = find_subcommand(name) if name else None
    return sub is not None and sub.kept and rest.strip().lower() not in HELP_WORDS


def run(inv: Invocation, text: str) -> Reply:
    """Answer one ``/ipslo`` line. Refusals are raised as CommandError; anything else raised is a bug."""
    text = as_meant(text)
    name, _, rest = text.strip().partition(" ")
    if not name or name.lower() in HELP_WORDS:
        about = find_subcommand(rest.split()[0]) if rest.split() else None
        if about is None and rest.split():  # "help remidn": the command meant, or the list with why
            asked = rest.split()[0]
            guess = closest_subcommand(asked, cutoff=HELP_CUTOFF)  # help shows it without the line to run
            if guess is not None:
                shown = subcommand_help(guess)
                return replace(shown, parts=(Caption(f"Showing {guess.name} for “{asked}”."), *shown.parts))
            listed = help_reply(is_admin=inv.caller.is_admin)
            return replace(
                listed, parts=(Caption(f"No command is called “{asked}”; these are all of them."), *listed.parts)
            )
        return subcommand_help(about) if about else help_reply(is_admin=inv.caller.is_admin)
    sub = find_subcommand(name)
    if sub is not None and rest.strip().lower() in HELP_WORDS:
        return subcommand_help(sub)
    if sub is None:
        named = " ".join(w for w in text.split() if w.lower() not in SHARE_WORDS)
        if named and isinstance(nation_lookup(session=inv.session).index.match(named), Exact | Ambiguous):
            return run(inv, f"status {text.strip()}")  # "/ipslo fiji": the nation's status
        return unknown_command(inv, name, rest)
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
        if error.correction and not error.suggestions:  # "remind me tomorow ...": the same line, spelt as meant
            typo, meant = error.correction
            fixed = re.sub(rf"\b{re.escape(typo)}\b", meant, rest, count=1, flags=re.IGNORECASE)
            if fixed != rest:
                error.suggestions = (f"/ipslo {sub.name} {fixed}".strip(),)
                error.said = error.message = f"I don't know “{typo}”."  # the line below says what was meant
                error.hint = None  # the usage, not every form of date: the line is right but for the one word
        if not error.hint:  # the refusal is turned into a reply by the one boundary (Bot.run); we add the usage
            error.hint = words("Usage: ", Typed(f"/ipslo {sub.usage}"), ", e.g. ", Typed(sub.example))
        raise
    return reply.shared() if share else reply
