"""Visit notes in the officers' words: writing them (quick or by form), listing, searching, editing with an audit trail,
and exporting a nation's briefing."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from commands.ids import Action
from commands.language import (
    MEMBER,
    Button,
    Buttons,
    Caption,
    CommandError,
    Icon,
    Invocation,
    Link,
    Mention,
    Quote,
    Reply,
    Section,
    Strong,
    Subcommand,
    Text,
    Typed,
    bullets,
    joined,
    lines,
    parse_id,
    plain_text,
    words,
)
from commands.lookup import as_typed, nation_lookup, normalize, offered_names
from commands.nations import fmt_date, standing
from commands.visits import dates_text, officer_zone
from commands.when import WhenError, describe, parse_since
from storage import nations as nation_store
from storage import notes as store
from storage import reminders as reminder_store
from storage import visits as visit_store
from storage.nations import Nation
from storage.notes import MAX_TEXT, FollowUp, Hit, Note
from storage.officers import Officer, officer_named
from storage.visits import Visit

PAGE = 10
PREVIEW_CHARS = 500
SNIPPET_CHARS = 320
FOLLOW_UP_AT = dt.time(9, 0)  # follow-up reminders arrive at 09:00 in the owner's zone

ADD_NOTE = Action.ADD_NOTE
NOTES_MORE = Action.NOTES_MORE
SEARCH_MORE = Action.SEARCH_MORE

NOTE_USAGE = words(
    Typed("/ipslo note <nation> <text>"),
    ", e.g. ",
    Typed("/ipslo note fiji Met the DA; PFSP review for Suva still pending"),
)
NOTE_VERBS_HINT = words(
    Typed("/ipslo note <id>"),
    " shows one, ",
    joined(Typed(f"/ipslo note {verb}") for verb in ("edit <id> <text>", "delete <id>", "history <id>")),
    "; admins: ",
    Typed("/ipslo note restore <id>"),
)
SEARCH_USAGE = words(Typed("/ipslo search <words> [by:@someone] [since:<date>] [tag:<tag>] [nation:<nation>]"))
#: A #hashtag in a note's text (not a channel's ``<#C…>``, nor ``&#39;``): it becomes a tag.
HASHTAG = re.compile(r"(?:^|(?<=[^<\w&]))#([A-Za-z][\w-]{0,39})")
#: What a snippet keeps whole, never cut nor bolded inside: a link or a channel as Slack wrote it in a note.
KEPT_WHOLE = re.compile(r"<[^<>]*>")


# --- writing -----------------------------------------------------------------------------------


#: A cell a spreadsheet would run as a formula: "=HYPERLINK(...)", "+61 2 555 0100", "-5", "@SUM(...)".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetSafeWriter:
    """csv.writer for files officers open in Excel: a text cell starting like a formula is kept as text (a leading
    apostrophe, the spreadsheet convention, OWASP's advice on CSV injection); numbers are left as they are."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[object]) -> None:
        self._writer.writerow([f"'{c}" if isinstance(c, str) and c.startswith(FORMULA_START) else c for c in row])


def command_keys(user_id: str, text: str, now: dt.datetime) -> tuple[str, str]:
    """Idempotency keys for a typed note: this minute's and the last minute's, so a repeat within a minute is the same
    note."""
    minute = int(now.timestamp() // 60)

    def key(m: int) -> str:
        return "cmd:" + hashlib.sha256(f"{user_id}\x00{m}\x00{text}".encode()).hexdigest()[:60]

    return key(minute), key(minute - 1)


def check_length(text: str) -> None:
    if not text.strip():
        raise CommandError("The note is empty.", hint=NOTE_USAGE)
    check_size(text)


def check_size(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise CommandError(
            f"A note holds up to {MAX_TEXT:,} characters; this one has {len(text):,}.", hint="Split it into two notes."
        )


#: A note begun with one of these words asks to search the notes ("note search pfsp", "note find suva").
SEARCH_VERBS = frozenset({"search", "find"})
#: "note add fiji ...", "note new tonga ...": the verb says what the command does anyway; the nation follows it.
ADD_VERBS = frozenset({"add", "new", "write", "save"})


def split_nation(inv: Invocation, text: str) -> tuple[Nation, str]:
    """The nation named by the first words, and the rest of the text exactly as typed."""
    lookup = nation_lookup(session=inv.session)
    tokens = list(re.finditer(r"\S+", text))
    for size in range(min(4, len(tokens)), 0, -1):
        if not all(normalize(w.group()) for w in tokens[:size]):
            continue  # a word with no Latin letters or digits ("港湾施設", "—") is never part of a nation's name
        nation = lookup.exact(" ".join(w.group() for w in tokens[:size]))
        if nation is not None:
            return nation, text[tokens[size - 1].end() :].lstrip()
    first = tokens[0].group() if tokens else ""
    if first.lower() in ADD_VERBS and len(tokens) > 1:  # "note add fiji ..." ("note new zealand" was found above)
        return split_nation(inv, text[tokens[1].start() :])
    if first.lower() in SEARCH_VERBS and len(tokens) > 1:  # "note search pfsp": the notes searched, not a nation
        raise CommandError(
            f"“note {first}” writes a note; searching the notes is its own command.",
            hint=words("Usage: ", Typed("/ipslo search <words> [by:@x since:<date> tag:<t> nation:<n>]")),
            suggestions=(f"/ipslo search {text[tokens[1].start() :].strip()}",),
        )
    # the nations it is close to, as a status look-up offers them ("fjii": Fiji), never any name at all ("search")
    suggestions = offered_names(lookup.index.match(first)) if first else ()
    raise CommandError(
        f"Which nation is this note about? “{first}” isn't one I know.",
        hint=words("Start with the nation's name or ISO code: ", NOTE_USAGE),
        suggestions=suggestions,
    )


def guess_nation(*, session: Session, text: str) -> str | None:
    """The nation a pasted message names (full names and aliases of four letters or more, not codes like "to" or
    "in")."""
    lookup = nation_lookup(session=session)
    tokens = normalize(text).split()
    for size in (3, 2, 1):
        for start in range(len(tokens) - size + 1):
            typed = " ".join(tokens[start : start + size])
            if len(typed) >= 4:
                nation = lookup.exact(typed)
                if nation is not None:
                    return nation.iso2
    return None


def visit_words(visit: Visit | None) -> str:
    if visit is None:
        return "no visit"
    title = f" “{visit.title}”" if visit.title else ""
    return f"visit #{visit.id} ({visit.kind}{title}, {dates_text(visit)})"


def saved_reply(inv: Invocation, note: Note, created: bool, *, follow_ups: int = 0, reminders: int = 0) -> Reply:
    nation = nation_store.get_nation(session=inv.session, iso2=note.nation_iso2)
    name = nation.name if nation else note.nation_iso2
    visit = visit_store.get_visit(session=inv.session, visit_id=note.visit_id) if note.visit_id else None
    where = words(Strong(name), f", {visit_words(visit)}" if visit else None)
    text: Text
    if created:
        text = f"Saved note #{note.id} under {name}" + (f", visit #{visit.id}" if visit else "") + "."
        said: list[Text] = [words("Saved note ", Strong(f"#{note.id}"), " under ", where, ".")]
    elif note.deleted_at is not None:
        text = words(
            f"The same text was saved as note #{note.id} a moment ago and then deleted, so nothing new was added. "
            "An admin can bring it back with ",
            Typed(f"/ipslo note restore {note.id}"),
            ", or send it again in a minute.",
        )
        said = [text]
    else:
        text = f"Already saved as note #{note.id}; nothing new was added."
        said = [
            words("This is already saved as note ", Strong(f"#{note.id}"), " under ", where, "; nothing new was added.")
        ]
    if follow_ups:
        said.append(
            f"{follow_ups} follow-up{'s' if follow_ups != 1 else ''}"
            + (
                (", a reminder for its owner" if follow_ups == 1 else ", each a reminder for its owner")
                if reminders == follow_ups
                else f" ({reminders} with reminders)"
            )
        )
    tags = tag_words(note)
    return Reply(
        text,
        parts=(
            Section(lines(said), icon=Icon.NOTE),
            Caption(
                words(
                    words("Tags: ", tags, " · ") if tags else None,
                    "Show it: ",
                    Typed(f"/ipslo note {note.id}"),
                    " · ",
                    NOTE_VERBS_HINT,
                )
            ),
        ),
    )


def form_tags(typed: str) -> list[str]:
    """The form's Tags field as tags: separated by commas when it has any, a tag of several words kept as one with
    hyphens ("pfsp, Port Moresby": pfsp, port-moresby); without commas, or written as hashtags, each word a tag
    ("pfsp da drills", "#DA drills")."""
    parts = typed.split(",") if "," in typed else typed.split()
    return [tag for part in parts for tag in (part.split() if "#" in part else ["-".join(part.split())]) if tag]


def tag_words(note: Note) -> Text:
    """A note's tags, each as something to type (``tag:`` finds them)."""
    return joined((Typed(t) for t in note.tag_list), " ")


def add_quick(inv: Invocation, text: str) -> Reply:
    nation, body = split_nation(inv, text)
    check_length(body)
    key, previous = command_keys(inv.caller.user_id, text, inv.now)
    visit = visit_store.current_or_recent_visit(session=inv.session, nation_iso2=nation.iso2, today=inv.today)
    note, created = store.add_note(
        session=inv.session,
        nation_iso2=nation.iso2,
        text=body,
        noted_on=inv.today,
        author_user_id=inv.caller.user_id,
        idempotency_key=key,
        also_known_as=(previous,),
        visit_id=visit.id if visit else None,
        tags=HASHTAG.findall(body),
    )
    return saved_reply(inv, note, created)


class FormError(CommandError):
    """A refusal about one field of the note form, shown beside that field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class NoteForm:
    """What the note form (modal) or a message shortcut hands over."""

    idempotency_key: str
    nation_iso2: str | None
    text: str
    noted_on: dt.date | None = None
    visit_id: int | None = None
    tags: str = ""
    follow_ups: tuple[tuple[str, str | None, dt.date | None], ...] = ()  # (what, owner, due)
    source_permalink: str | None = None
    message_author_id: str | None = None


def save_form(inv: Invocation, form: NoteForm) -> Reply:
    """Save a note from the form; a second submission of the same form returns the first note."""
    existing = store.find_by_key(session=inv.session, idempotency_key=form.idempotency_key)
    if existing is not None:
        return saved_reply(inv, existing, False)
    nation = nation_store.get_nation(session=inv.session, iso2=form.nation_iso2 or "")
    if nation is None:
        raise FormError("nation", "Choose the nation this note is about.")
    if not form.text.strip():
        raise FormError("text", "Write the note.")
    if len(form.text) > MAX_TEXT:
        raise FormError("text", f"A note holds up to {MAX_TEXT:,} characters; this one has {len(form.text):,}.")
    noted_on = form.noted_on or inv.today
    if noted_on > inv.today + dt.timedelta(days=1):
        raise FormError("date", "That date is in the future; a note records what has happened.")
    visit = None
    if form.visit_id:
        visit = visit_store.get_visit(session=inv.session, visit_id=form.visit_id)
        if visit is None or visit.nation_iso2 != nation.iso2:
            raise FormError("visit", f"That visit is not one to {nation.name}; choose another or none.")
    follow_ups: list[FollowUp] = []
    for number, (what, owner, due) in enumerate(form.follow_ups, start=1):
        if not (what or "").strip():
            if due:
                raise FormError(f"follow_up_{number}", "Say what the follow-up is, or clear its due date.")
            continue
        if due is None:
            raise FormError(f"follow_up_{number}_due", "When is it due?")
        if due < inv.today:
            raise FormError(f"follow_up_{number}_due", "That date has passed; choose today or later.")
        follow_ups.append(FollowUp(what.strip(), owner or inv.caller.user_id, due))
    tags = [*form_tags(form.tags), *HASHTAG.findall(form.text)]
    note, created = store.add_note(
        session=inv.session,
        nation_iso2=nation.iso2,
        text=form.text,
        noted_on=noted_on,
        author_user_id=inv.caller.user_id,
        idempotency_key=form.idempotency_key,
        visit_id=visit.id if visit else None,
        tags=tags,
        source_permalink=form.source_permalink,
        message_author_id=form.message_author_id,
    )
    if not created:
        return saved_reply(inv, note, False)
    reminders = 0
    for follow_up in follow_ups:
        reminder = schedule_follow_up(inv, note, nation, follow_up)
        reminders += reminder is not None
        store.add_follow_up(
            session=inv.session,
            note=note,
            follow_up=follow_up,
            recorded_by=inv.caller.user_id,
            reminder_id=reminder.id if reminder else None,
        )
    return saved_reply(inv, note, True, follow_ups=len(follow_ups), reminders=reminders)


def schedule_follow_up(inv: Invocation, note: Note, nation: Nation, follow_up: FollowUp) -> reminder_store.Reminder:
    """A follow-up becomes a reminder for its owner at 09:00 (their zone) on its due date, or in a minute if that has
    passed."""
    tz = officer_zone(inv, follow_up.owner_user_id)
    due_at = dt.datetime.combine(follow_up.due_on, FOLLOW_UP_AT, tzinfo=tz).astimezone(dt.UTC)
    due_at = max(due_at, inv.now + dt.timedelta(minutes=1))
    return reminder_store.add_reminder(
        session=inv.session,
        kind=reminder_store.ADHOC,
        owner_user_id=follow_up.owner_user_id,
        due_at=due_at,
        text=f"Follow-up from note #{note.id} ({nation.name}): {follow_up.text}",
        recorded_by=inv.caller.user_id,
        nation_iso2=nation.iso2,
        visit_id=note.visit_id,
    )


# --- one note: show, edit, delete, restore, history ---------------------------------------------

NOTE_NUMBER = re.compile(r"#?[0-9]{1,9}")


def note_usage(form: str, example: str) -> Text:
    return words(Typed(f"/ipslo note {form}"), ", e.g. ", Typed(f"/ipslo note {example}"))


SHOW_USAGE = note_usage("<number>", "12")
EDIT_USAGE = note_usage("edit <number> <new text>", "edit 12 Met the DA; PFSP review done")
DELETE_USAGE = note_usage("delete <number>", "delete 12")
RESTORE_USAGE = note_usage("restore <number>", "restore 12")
HISTORY_USAGE = note_usage("history <number>", "history 12")


def looks_numbered(word: str) -> bool:
    """Whether the officer meant a note number (``12``, ``#12``), however odd the digits; parse_id then decides."""
    return bool(NOTE_NUMBER.fullmatch(word)) or word.lstrip("#")[:1].isdigit()


def find_note(inv: Invocation, typed: str, usage: Text, *, deleted_ok: bool = False) -> Note:
    """The note a number names; a word that is no note number is refused with the usage of the command it was typed
    in (``usage``)."""
    hint = words("Note numbers are shown as #12 in ", Typed("/ipslo notes <nation>"), ". ", usage)
    number = parse_id(typed, what="note", hint=hint)
    note = store.get_note(session=inv.session, note_id=number)
    if note is None or (note.deleted and not deleted_ok):
        raise CommandError(
            f"There is no note #{number}" + (" (it was deleted)." if note is not None else "."),
            hint=words(Typed("/ipslo notes <nation>"), " lists a nation's notes with their numbers."),
        )
    return note


def may_change(inv: Invocation, note: Note, what: str) -> None:
    if note.author_user_id != inv.caller.user_id and not inv.caller.is_admin:
        author = Mention(note.author_user_id)
        raise CommandError(
            words("Only the author (", author, f") or an admin may {what} note #{note.id}. Nothing changed."),
            hint=words("Ask ", author, f" or an admin to {what} it."),
        )


def nation_name(inv: Invocation, iso2: str) -> str:
    nation = nation_store.get_nation(session=inv.session, iso2=iso2)
    return nation.name if nation else iso2


def about_line(inv: Invocation, note: Note, *, with_nation: bool = True) -> Text:
    bits: list[Text | Strong | Mention] = [Strong(f"#{note.id}")]
    if with_nation:
        bits.append(nation_name(inv, note.nation_iso2))
    bits += [note.noted_on.strftime("%a %-d %b %Y"), Mention(note.author_user_id)]
    if note.visit_id:
        bits.append(f"visit #{note.visit_id}")
    if note.tag_list:
        bits.append(tag_words(note))
    return joined(bits, " · ")


def show(inv: Invocation, typed: str) -> Reply:
    note = find_note(inv, typed, SHOW_USAGE, deleted_ok=inv.caller.is_admin)
    name = nation_name(inv, note.nation_iso2)
    visit = visit_store.get_visit(session=inv.session, visit_id=note.visit_id) if note.visit_id else None
    parts: list = [Section(note.text)]
    follow = store.follow_ups(session=inv.session, note_id=note.id)
    if follow:
        said = bullets(words(f.text, " · ", Mention(f.owner_user_id), f" · due {fmt_date(f.due_on)}") for f in follow)
        parts.append(Section(words(Strong("Follow-ups"), "\n", said)))
    caption: list[Text] = [
        f"{note.noted_on:%a %-d %b %Y}",
        words("by ", Mention(note.author_user_id)),
        visit_words(visit),
    ]
    if note.tag_list:
        caption.append(words("tags ", tag_words(note)))
    if note.message_author_id or note.source_permalink:
        link = Link(note.source_permalink, "a message") if note.source_permalink else "a message"
        caption.append(
            words("from ", link, words(" by ", Mention(note.message_author_id)) if note.message_author_id else None)
        )
    if note.updated_at:
        caption.append(words(f"edited {describe(note.updated_at, inv.caller.tz)} by ", Mention(str(note.updated_by))))
    if note.deleted_at:
        caption.append(
            words(
                Icon.DELETED, f" deleted {describe(note.deleted_at, inv.caller.tz)} by ", Mention(str(note.deleted_by))
            )
        )
    parts.append(Caption(joined(caption, " · ")))
    header = f"Note #{note.id} · {name}"
    return Reply(f"{header}: {note.text[:150]}", header=header, parts=tuple(parts))


def edit(inv: Invocation, text: str) -> Reply:
    """New text for a note. Its #hashtags are its tags, so the reply says which tags the new text added or removed
    (and how to keep one removed); tags chosen on the form stay."""
    typed, _, body = text.strip().partition(" ")
    note = find_note(inv, typed, EDIT_USAGE)
    may_change(inv, note, "edit")
    body = body.lstrip()
    if not body.strip():
        raise CommandError(
            f"Note #{note.id} needs its new text after the number; nothing changed.",
            hint=words("Usage: ", EDIT_USAGE, " · to delete it: ", Typed(f"/ipslo note delete {note.id}")),
        )
    check_size(body)
    tags_before = note.tag_list
    changed = store.edit_note(
        session=inv.session,
        note=note,
        changed_by=inv.caller.user_id,
        text=body,
        tags=[*set_on_form(note), *HASHTAG.findall(body)],
    )
    added = [tag for tag in note.tag_list if tag not in tags_before]
    removed = [tag for tag in tags_before if tag not in note.tag_list]
    tags_said = "; ".join(
        f"{hashtags(these)} {what}" for these, what in ((added, "added"), (removed, "removed")) if these
    )
    summary = f"Note #{note.id} updated." if changed else f"Note #{note.id} already says that; nothing changed."
    if tags_said:
        summary += f" Tags: {tags_said}."
    caption: list[Text] = [words("The earlier text is kept: ", Typed(f"/ipslo note history {note.id}"))]
    if removed:
        resend = body.rstrip() if AS_TYPED.fullmatch(body.rstrip()) else "<text>"
        caption.insert(
            0,
            words(
                "A note's tags are the #tags in its text; to keep ",
                "them" if len(removed) > 1 else "it",
                ": ",
                Typed(f"/ipslo note edit {note.id} {resend} {hashtags(removed)}"),
            ),
        )
    return Reply(
        summary,
        parts=(Section(summary, icon=Icon.EDIT), Caption(joined(caption, " · "))),
    )


#: New text said back whole in the command that keeps a tag an edit removed: one short line that reads back as typed
#: (no mention, link or backtick, which Slack shows otherwise than they are typed); longer text is ``<text>``.
AS_TYPED = re.compile(r"[^\n`<>@]{1,300}")


def hashtags(tags: list[str]) -> str:
    """Tags as officers write them in a note (``#pfsp #drills``), or "none"."""
    return " ".join(f"#{tag}" for tag in tags) or "none"


def set_on_form(note: Note) -> list[str]:
    """The note's tags that were chosen on the form rather than written as #hashtags in its text."""
    from_text = set(store.normalize_tags(HASHTAG.findall(note.text)))
    # a tag saved with an underscore (before tags were written with hyphens) is the same tag as its hashtag
    return [tag for tag in note.tag_list if tag.replace("_", "-") not in from_text]


def delete(inv: Invocation, text: str) -> Reply:
    note = find_note(inv, text, DELETE_USAGE)
    may_change(inv, note, "delete")
    store.delete_note(session=inv.session, note=note, changed_by=inv.caller.user_id)
    summary = f"Note #{note.id} deleted."
    return Reply(
        summary,
        parts=(
            Section(f"{summary} It no longer shows in lists or search.", icon=Icon.DELETED),
            Caption(
                words(
                    "An admin can bring it back with ",
                    Typed(f"/ipslo note restore {note.id}"),
                    "; its history is kept.",
                )
            ),
        ),
    )


def restore(inv: Invocation, text: str) -> Reply:
    if not inv.caller.is_admin:
        raise CommandError("Only an admin may restore a deleted note.", hint="Ask an admin (IPSLO_ADMINS).")
    note = find_note(inv, text, RESTORE_USAGE, deleted_ok=True)
    if not note.deleted:
        raise CommandError(
            f"Note #{note.id} is not deleted.", hint=words(Typed(f"/ipslo note {note.id}"), " shows it.")
        )
    store.restore_note(session=inv.session, note=note, changed_by=inv.caller.user_id)
    summary = f"Note #{note.id} restored."
    return Reply(summary, parts=(Section(summary, icon=Icon.RESTORED),))


def quote(text: str, limit: int = 300) -> Quote:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return Quote(" " + "\n ".join(text.splitlines() or [""]))


def history(inv: Invocation, text: str) -> Reply:
    # a deleted note's words are for admins only, as in show
    note = find_note(inv, text, HISTORY_USAGE, deleted_ok=inv.caller.is_admin)
    changes: list[Text] = []
    for change in store.history(session=inv.session, note_id=note.id):
        line = words(
            Strong(change.action), f" {describe(change.changed_at, inv.caller.tz)} by ", Mention(change.changed_by)
        )
        before, after = change.before or {}, change.after or {}
        if change.action == store.EDITED:
            for key in ("text", "tags", "visit_id", "noted_on"):
                if before.get(key) != after.get(key):
                    if key == "text":
                        line = words(
                            line,
                            "\nbefore:\n",
                            quote(before.get("text", "")),
                            "\nafter:\n",
                            quote(after.get("text", "")),
                        )
                    else:
                        label = HISTORY_LABELS[key]
                        line = words(
                            line, f"\n{label}: {as_said(key, before.get(key))} → {as_said(key, after.get(key))}"
                        )
        changes.append(line)
    header = f"History of note #{note.id}"
    parts = tuple(Section(line) for line in changes[-40:]) or (Section("No changes recorded."),)
    return Reply(header, header=header, parts=parts)


HISTORY_LABELS = {"tags": "tags", "visit_id": "visit", "noted_on": "date"}


def as_said(key: str, value: object) -> str:
    """A value the audit trail kept (``Note.snapshot``), as an officer reads it: tags as #tags, a visit by its
    number, a date written out; "none" for nothing."""
    if not value:
        return "none"
    if key == "tags" and isinstance(value, list):
        return hashtags([str(tag) for tag in value])
    if key == "visit_id":
        return f"#{value}"
    if key == "noted_on" and isinstance(value, str):
        return fmt_date(dt.date.fromisoformat(value))
    return str(value)


NOTE_VERBS = {
    "edit": edit,
    "delete": delete,
    "remove": delete,
    "restore": restore,
    "undelete": restore,
    "history": history,
    "show": show,
}
#: What each verb's refusals say to type.
VERB_USAGE = {edit: EDIT_USAGE, delete: DELETE_USAGE, restore: RESTORE_USAGE, history: HISTORY_USAGE, show: SHOW_USAGE}


def note(inv: Invocation, text: str) -> Reply:
    stripped = text.strip()
    if not stripped:
        raise CommandError(
            "What should the note say, and about which nation?",
            hint=words(NOTE_USAGE, ". In Slack, ", Typed("/ipslo note"), " alone opens a form."),
        )
    verb, _, rest = stripped.partition(" ")
    if looks_numbered(verb):
        return show(inv, verb)
    operation = NOTE_VERBS.get(verb.lower())
    numbered = looks_numbered((rest.split() or [""])[0])
    if operation is None and numbered and nation_lookup(session=inv.session).index.exact(verb) is None:
        # "note edt 12 ...": a verb mistyped before a note's number; said, not guessed (it may delete)
        close = difflib.get_close_matches(verb.lower(), list(NOTE_VERBS), n=1, cutoff=0.7)
        if close:
            raise CommandError(
                words(
                    "I don't know ",
                    Typed(f"/ipslo note {verb}"),
                    ". Did you mean ",
                    Typed(f"/ipslo note {close[0]} {rest.strip()}"),
                    "?",
                ),
                hint=NOTE_VERBS_HINT,
            )
    if operation is not None and (numbered or nation_lookup(session=inv.session).index.exact(verb) is None):
        # "note delete abc": the verb is plain, so what follows is meant as a note's number, not as a note's nation
        if not rest.strip():
            raise CommandError("Which note? Give its number.", hint=words("Usage: ", VERB_USAGE[operation]))
        return operation(inv, rest)
    return add_quick(inv, text)


# --- lists and search --------------------------------------------------------------------------


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    cut = cut if cut > limit // 2 else limit
    return text[:cut].rstrip() + " …"


def notes_page(inv: Invocation, nation: Nation, terms: list[str], before: tuple[dt.date, int] | None) -> Reply:
    found = store.notes_for_nation(
        session=inv.session,
        nation_iso2=nation.iso2,
        limit=PAGE + 1,
        words=store.search_words(" ".join(terms)),
        before=before,
    )
    page, more = found[:PAGE], len(found) > PAGE
    about = f" matching “{' '.join(terms)}”" if terms else ""
    title = f"Notes on {nation.name}{about}" + (" (continued)" if before else "")
    parts: list = []
    for item in page:
        text = preview(item.text)
        rest = words(" (", Typed(f"/ipslo note {item.id}"), " for all of it)") if len(item.text) > len(text) else None
        parts.append(Section(words(about_line(inv, item, with_nation=False), "\n", text, rest)))
    if not page:
        empty: Text = (
            "No more notes."
            if before
            else (
                words(
                    f"No notes on {nation.name} match; ",
                    Typed(f"/ipslo notes {as_typed(nation)}"),
                    " lists them all.",
                )
                if terms
                else "No notes yet."
            )
        )
        parts.append(Section(empty))
        meant = store.close_words(session=inv.session, words=store.search_words(" ".join(terms))) if not before else {}
        if meant:
            fixed = " ".join(meant.get(store.fold(word), word) for word in terms)
            parts.append(Section(words("Did you mean ", Typed(f"/ipslo notes {as_typed(nation)} {fixed}"), "?")))
    if more:
        last = page[-1]
        value = json.dumps(
            {"n": nation.iso2, "w": " ".join(terms)[:500], "b": [last.noted_on.isoformat(), last.id]},
            ensure_ascii=False,
        )  # a button's value holds 2,000 characters
        parts.append(Buttons((Button("More", NOTES_MORE, value),)))
    parts.append(
        Caption(
            words(
                "Newest first. Add one: ",
                Typed(f"/ipslo note {as_typed(nation)} <text>"),
                " · search all notes: ",
                Typed("/ipslo search <words>"),
            )
        )
    )
    return Reply(title, header=title[:150], parts=tuple(parts))


def notes(inv: Invocation, text: str) -> Reply:
    typed = text.split()
    if not typed:
        raise CommandError(
            "Which nation's notes?",
            hint=words(Typed("/ipslo notes <nation> [words]"), ", e.g. ", Typed("/ipslo notes fiji pfsp")),
        )
    match, rest = nation_lookup(session=inv.session).split(typed)
    return notes_page(inv, match.nation, rest, None)


def more_notes(inv: Invocation, value: str) -> Reply:
    """The next page behind a "More" button."""
    data = json.loads(value)
    nation = nation_store.get_nation(session=inv.session, iso2=data["n"])
    if nation is None:
        raise CommandError("That nation is no longer on record.")
    day, last_id = data["b"]
    return notes_page(inv, nation, data["w"].split(), (dt.date.fromisoformat(day), int(last_id)))


@dataclass
class SearchFilters:
    words: list[str] = field(default_factory=list)
    author: str | None = None
    since: dt.date | None = None
    tag: str | None = None
    nation: Nation | None = None


#: "since:3 days ago", "since:last week", "since:last monday" typed with spaces: read as one filter value.
SINCE_WORDS = re.compile(
    r"\b((?:since|after):(?:last|\d+|an?|one))\s+(days?|weeks?|months?|years?|mon|tue|wed|thu|fri|sat|sun|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)(\s+ago)?(?=\s|$)",
    re.IGNORECASE,
)


def parse_search(inv: Invocation, text: str) -> SearchFilters:
    found = SearchFilters()
    text = SINCE_WORDS.sub(lambda m: f"{m[1]}_{m[2]}{'_ago' if m[3] else ''}", text)
    for word in text.split():
        name, colon, value = word.partition(":")
        name = name.lower()
        if not colon or name not in ("by", "since", "tag", "nation", "from", "after"):
            found.words.append(word)
            continue
        if not value:
            raise CommandError(words(Typed(word), " needs a value after the colon."), hint=SEARCH_USAGE)
        if name in ("by", "from"):
            found.author = author_id(inv, value)
        elif name in ("since", "after"):
            try:
                found.since = parse_since(value.replace("_", " "), today=inv.today)
            except WhenError as error:
                raise CommandError(
                    f"since: {error}",
                    hint=words(
                        "e.g. ",
                        Typed("since:2026-01-31"),
                        ", ",
                        Typed("since:monday"),
                        " or ",
                        Typed("since:2_weeks_ago"),
                    ),
                ) from None
        elif name == "tag":
            tags = store.normalize_tags([value])
            found.tag = tags[0] if tags else None
        else:
            found.nation = nation_lookup(session=inv.session).find(value.replace("_", " ")).nation
    return found


def author_id(inv: Invocation, typed: str) -> str:
    """Who ``by:`` names: a person mentioned (``@U123``, as bot/ writes Slack's mention), ``me``, or a name."""
    bare = typed.lstrip("@")
    if bare.lower() in ("me", "myself"):
        return inv.caller.user_id
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", bare):
        return bare
    named = officer_named(session=inv.session, name=bare)
    if named is not None:
        return named
    raise CommandError(
        f"I don't know who “{typed}” is.",
        hint=words("Mention them: ", Typed("by:@name"), " (pick from the list), or ", Typed("by:me"), "."),
    )


def snippet(text: str, spans: tuple[tuple[int, int], ...], width: int = SNIPPET_CHARS) -> Text:
    """A stretch of the note around its first matched word, matched words in bold, links and mentions left whole."""
    if not spans:
        return preview(text, width)
    start = max(0, spans[0][0] - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    whole = [(m.start(), m.end()) for m in KEPT_WHOLE.finditer(text)]
    for opening, closing in whole:
        if opening < start < closing:
            start = opening
        if opening < end < closing:
            end = closing
    if start > 0:
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space != -1 else end
    out: list[str | Strong] = []
    position = start
    for a, b in spans:
        if a < position or b > end:
            continue
        inside_markup = any(opening < a < closing for opening, closing in whole)
        out.append(text[position:a].replace("\n", " "))
        word = text[a:b].replace("\n", " ")
        out.append(word if inside_markup or "*" in word else Strong(word))
        position = b
    out.append(text[position:end].replace("\n", " "))
    return words("…" if start > 0 else None, *out, "…" if end < len(text) else None)


def search_page(inv: Invocation, text: str, offset: int) -> Reply:
    filters = parse_search(inv, text)
    terms = store.search_words(" ".join(filters.words))
    if not terms and not (filters.author or filters.since or filters.tag or filters.nation):
        raise CommandError(
            "Search for what?", hint=words(SEARCH_USAGE, ", e.g. ", Typed("/ipslo search pfsp suva since:2026-01-01"))
        )
    hits: list[Hit] = store.search(
        session=inv.session,
        words=terms,
        limit=PAGE + 1,
        offset=offset,
        nation_iso2=filters.nation.iso2 if filters.nation else None,
        author_user_id=filters.author,
        since=filters.since,
        tag=filters.tag,
    )
    page, more = hits[:PAGE], len(hits) > PAGE
    title = f"Notes matching “{text.strip()}”" + (" (continued)" if offset else "")
    parts: list = []
    for hit in page:
        parts.append(Section(words(about_line(inv, hit.note), "\n", snippet(hit.note.text, hit.spans))))
    if not page:
        parts.append(
            Section(
                "No more matches."
                if offset
                else words(
                    "No notes match. Fewer words find more; words match whatever their ending (",
                    Typed("inspect"),
                    " finds “inspections”), accents and capitals don't matter.",
                )
            )
        )
        meant = store.close_words(session=inv.session, words=terms) if not offset else {}
        if meant:
            fixed = " ".join(meant.get(store.fold(word), word) for word in text.split())
            parts.append(Section(words("Did you mean ", Typed(f"/ipslo search {fixed}"), "?")))
    if more:
        value = json.dumps({"q": text.strip()[:1000], "o": offset + PAGE}, ensure_ascii=False)
        parts.append(Buttons((Button("More", SEARCH_MORE, value),)))
    order = "Best match first" if terms else "Newest first"
    among = (
        words(
            f", among the newest {page[0].among_newest:,} notes with these words (there are more: add a word, ",
            Typed("nation:"),
            " or ",
            Typed("since:"),
            " to reach older ones)",
        )
        if page and page[0].among_newest
        else None
    )
    filters_typed = joined((Typed(f) for f in ("by:@someone", "since:<date>", "tag:<tag>", "nation:<nation>")), " ")
    parts.append(
        Caption(
            words(order, among, ". Filters: ", filters_typed, " · ", Typed("/ipslo note <id>"), " shows a whole note")
        )
    )
    return Reply(title, header=title[:150], parts=tuple(parts))


def search(inv: Invocation, text: str) -> Reply:
    return search_page(inv, text, 0)


def more_search(inv: Invocation, value: str) -> Reply:
    data = json.loads(value)
    return search_page(inv, data["q"], int(data["o"]))


# --- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    title: str
    content: str


@dataclass(frozen=True)
class Export:
    """What ``/ipslo export`` answers: the reply, the files, and whether they go to the channel (``share``) or to the
    officer alone."""

    reply: Reply
    files: tuple[ExportFile, ...]
    to_channel: bool = False


EXPORT_USAGE = words(Typed("/ipslo export <nation> [share]"), ", e.g. ", Typed("/ipslo export fiji"))


def plain_mentions(text: Text, names: dict[str, str]) -> str:
    """Text for a file: the words alone, people by name (``@Dana Lee``, whether a ``Mention`` or ``@U123`` in an
    officer's words)."""
    return MEMBER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), plain_text(text))


def export(inv: Invocation, text: str) -> Export:
    """A nation's briefing as Markdown and its status, visits and notes as CSV, written from the database.

    The files hold every note, so they go to the officer's direct message; ``share`` at the end sends them to the
    channel.
    """
    typed = text.split()
    to_channel = bool(typed) and typed[-1].lower() in ("share", "public")
    text = " ".join(typed[:-1] if to_channel else typed)
    if not text:
        raise CommandError("Which nation?", hint=EXPORT_USAGE)
    nation = nation_lookup(session=inv.session).find(text).nation
    [record] = nation_store.nation_records(session=inv.session, nations=[nation])
    state = standing(record, today=inv.today, tz=inv.caller.tz)
    visits = visit_store.visits_for_nation(session=inv.session, nation_iso2=nation.iso2)
    all_notes = store.all_notes_for_nation(session=inv.session, nation_iso2=nation.iso2)
    names = {o.user_id: o.name for o in inv.session.scalars(select(Officer))}
    day = inv.today.isoformat()

    md = [
        f"# {nation.name} ({nation.iso2}): briefing of {fmt_date(inv.today)}",
        "",
        f"{nation.official_name} · {nation.region}",
        "",
        "## Status",
        "",
        f"- {plain_text(state.summary)}",
    ]
    if state.due:
        md.append(f"- Reassessment due: {fmt_date(state.due)}" + (" (overdue)" if state.overdue else ""))
    if state.detail:
        md.append(f"- {plain_mentions(state.detail, names)}")
    md += ["", f"## Visits ({len(visits)})", ""]
    md += [
        f"- #{v.id} · {dates_text(v)} · {v.kind}"
        + (f" · {v.title}" if v.title else "")
        + f" · lead @{names.get(v.lead_user_id, v.lead_user_id)}"
        + (" · cancelled" if v.cancelled else "")
        for v in visits
    ] or ["None on record."]
    md += ["", f"## Notes ({len(all_notes)})", ""]
    for item in all_notes:
        bits = [f"#{item.id}", item.noted_on.isoformat(), f"@{names.get(item.author_user_id, item.author_user_id)}"]
        if item.visit_id:
            bits.append(f"visit #{item.visit_id}")
        if item.tag_list:
            bits.append("tags: " + ", ".join(item.tag_list))
        md += [f"### {' · '.join(bits)}", ""]
        if item.source_permalink:
            md += [f"From a Slack message: {item.source_permalink}", ""]
        md += [plain_mentions(item.text, names), ""]
    markdown = "\n".join(md).rstrip() + "\n"

    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out)
    writer.writerow(["record", "id", "date", "end_date", "nation", "kind_or_author", "visit", "tags", "text", "source"])
    writer.writerow(
        ["status", "", day, "", nation.iso2, "", "", "", plain_text(state.summary), plain_text(state.detail)]
    )
    for v in visits:
        writer.writerow(
            [
                "visit",
                v.id,
                v.starts_on.isoformat(),
                v.ends_on.isoformat(),
                nation.iso2,
                v.kind,
                "",
                "",
                v.title or "",
                v.status,
            ]
        )
    for item in all_notes:
        writer.writerow(
            [
                "note",
                item.id,
                item.noted_on.isoformat(),
                "",
                nation.iso2,
                item.author_user_id,
                item.visit_id or "",
                " ".join(item.tag_list),
                item.text,
                item.source_permalink or "",
            ]
        )
    files = (
        ExportFile(f"{nation.iso2.lower()}-briefing-{day}.md", f"{nation.name} briefing {day}", markdown),
        ExportFile(f"{nation.iso2.lower()}-{day}.csv", f"{nation.name} status, visits and notes {day}", out.getvalue()),
    )
    where = (
        "Posting the files in this channel, where everyone in it can read them."
        if to_channel
        else "Sending the files to you in a direct message from the bot."
    )
    summary = f"Export of {nation.name}: {plural(len(visits), 'visit')} and {plural(len(all_notes), 'note')}. {where}"
    caption = words(
        "Files: " + ", ".join(f.filename for f in files),
        None
        if to_channel
        else words(
            " · add ",
            Typed("share"),
            " to post them in the channel instead: ",
            Typed(f"/ipslo export {as_typed(nation)} share"),
        ),
    )
    reply = Reply(summary, parts=(Section(summary, icon=Icon.FILE), Caption(caption)))
    return Export(reply, files, to_channel)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


SUBCOMMANDS = (
    Subcommand(
        "note",
        "note <nation> <text>",
        "Write a note, filed under the nation and its current visit (“note” alone opens a form; "
        "“note <id>”, “note edit|delete|history <id>”)",
        "/ipslo note fiji Met the DA; PFSP review for Suva still pending",
        note,
        reads_share=True,  # "share" at the end of a note is part of its text
    ),
    Subcommand(
        "notes",
        "notes <nation> [words]",
        "A nation's notes, newest first",
        "/ipslo notes fiji pfsp",
        notes,
        shareable=True,
        reads_only=True,
    ),
    Subcommand(
        "search",
        "search <words> [by:@x since:<date> tag:<t> nation:<n>]",
        "Search all notes",
        "/ipslo search inspect suva since:2026-01-01",
        search,
        reads_share=True,
        reads_only=True,
        aliases=("find",),
    ),
    # In Slack, bot/notes.py answers `/ipslo export` itself so that it can send the files; this line gives help its
    # entry.
    Subcommand(
        "export",
        "export <nation> [share]",
        "A nation's briefing (Markdown) and records (CSV) as files, sent to you in a direct message "
        "(“share”: to the channel)",
        "/ipslo export fiji",
        lambda inv, text: export(inv, text).reply,
        reads_share=True,  # export's own `share`: the files go to the channel
    ),
)
