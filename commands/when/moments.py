"""Moments ahead ("tomorrow 09:00", "in 2 hours", "tonight"), read in the officer's zone: parse_when, split_when."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from commands.when.dates import check_window, read_date
from commands.when.diagnosis import diagnose, explain, misspelt_time_word, short_year
from commands.when.display import describe, zone_key
from commands.when.errors import NoMatch, NoSuchDay, ReadButRefused, WhenError
from commands.when.grammar import MAX_WORDS, quote, tokenize, words_of
from commands.when.times import (
    END_OF_DAY_WORDS,
    PARTS_OF_DAY,
    counted,
    durations,
    local_to_utc,
    read_in_part,
    read_time,
)

_TONIGHT = _dt.time(20, 0)


def _both(first, second):
    """Both parts must have a recognised shape before either part's refusal counts."""
    results, errors = [], []
    for part in (first, second):
        try:
            results.append(part())
        except WhenError as err:
            results.append(None)
            errors.append(err)
    if errors:
        raise errors[0]
    return results


def _when(tokens: list[str], now: _dt.datetime, tz: _dt.tzinfo, default_time: _dt.time) -> _dt.datetime:
    """A future moment in UTC; NoMatch if the tokens are none of our forms."""
    if not tokens:
        raise NoMatch
    local_now = now.astimezone(tz)
    today = local_now.date()
    errors: list[WhenError] = []
    moment: _dt.datetime | None = None

    def relative() -> _dt.datetime:
        amounts = durations(tokens)
        days = amounts.get("days", 0) + 7 * amounts.get("weeks", 0)
        try:
            elapsed = _dt.timedelta(
                hours=amounts.get("hours", 0), minutes=amounts.get("minutes", 0), seconds=amounts.get("seconds", 0)
            )
            base = now.astimezone(_dt.UTC)
            if days:  # calendar days keep the wall clock in tz
                base = local_to_utc(today + _dt.timedelta(days=days), local_now.time(), tz)
            return base + elapsed
        except OverflowError:
            raise WhenError(f"“{' '.join(tokens)}” is too far in the future.") from None

    def tonight() -> _dt.datetime:
        if tokens[0] != "tonight":
            raise NoMatch
        if len(tokens) == 1:
            return local_to_utc(today, _TONIGHT, tz)
        t = read_time(tokens[1:])
        if t.hour < 12:
            raise WhenError(f"“{' '.join(tokens)}” mixes tonight with a morning time; please pick one.")
        return local_to_utc(today, t, tz)

    def clock(rest: list[str]) -> _dt.time:
        """The time after a date: written, a part of the day ("evening", "evening 7pm"), or the default."""
        if rest and rest[0] in PARTS_OF_DAY:
            return read_in_part(rest[1:], PARTS_OF_DAY[rest[0]], " ".join(tokens))
        return read_time(rest) if rest else default_time

    def this_part() -> _dt.datetime:  # "this evening", "this morning 10:30": today
        if tokens[0] != "this" or len(tokens) < 2 or tokens[1] not in PARTS_OF_DAY:
            raise NoMatch
        return local_to_utc(today, clock(tokens[1:]), tz)

    def date_then_time(i: int):
        def attempt() -> _dt.datetime:
            rest = tokens[i:]
            (d, _), t = _both(lambda: read_date(tokens[:i], today), lambda: clock(rest))
            return local_to_utc(d, t, tz)

        return attempt

    def time_first() -> _dt.datetime:
        j = 2 if tokens[0] == "at" else 1
        if len(tokens) > j:
            day = tokens[j:]
            part = PARTS_OF_DAY.get(day[-1]) if len(day) > 1 else None
            if part is not None:  # "9am tomorrow morning"
                day = day[:-1]
            t, (d, _) = _both(lambda: read_time(tokens[:j]), lambda: read_date(day, today))
            if part is not None and not part.holds(t):
                raise ReadButRefused(
                    f"“{' '.join(tokens)}”: {t:%H:%M} is not in the {part.name}; write the time alone (“{t:%H:%M}”) "
                    f"or the part of the day alone (“{part.name}”, {part.at:%H:%M})."
                )
            return local_to_utc(d, t, tz)
        t = read_time(tokens, alone=True)  # a time alone: the next one
        m = local_to_utc(today, t, tz)
        return m if m > now else local_to_utc(today + _dt.timedelta(days=1), t, tz)

    attempts = [relative, tonight, this_part] + [date_then_time(i) for i in range(len(tokens), 0, -1)] + [time_first]
    for attempt in attempts:
        try:
            moment = attempt()
            break
        except NoMatch:
            continue
        except NoSuchDay:
            raise  # "29 feb 2027": no such day, not 29 February 2028 at 20:27 (a shorter date and the year as a time)
        except WhenError as err:
            errors.append(err)
    if moment is None:
        if errors:
            raise errors[0]
        raise NoMatch
    if moment <= now:
        said = assumed_time(tokens)
        if said is not None:  # "this morning" at noon
            word = next(tok for tok in tokens if tok in PARTS_OF_DAY or tok in END_OF_DAY_WORDS or tok == "tonight")
            later = "tomorrow " + ("night" if word == "tonight" else END_OF_DAY_WORDS.get(word, word))
            raise ReadButRefused(
                f"“{said.typed}” ({said.time:%H:%M}) has already passed: {describe(moment, tz)} ({zone_key(tz)}). "
                f"Give a time still to come, e.g. “{later}” or “in 2 hours”."
            )
        raise ReadButRefused(f"That time has already passed: {describe(moment, tz)} ({zone_key(tz)}).")
    check_window(moment.astimezone(tz).date(), today, " ".join(tokens))
    return moment


@dataclass(frozen=True)
class AssumedTime:
    """A time of day said in words and read as a clock time ("tomorrow evening": 18:00), for the reply to say so."""

    typed: str  # the moment as typed: "tomorrow evening", "friday EOD", "tonight"
    time: _dt.time
    instead: str  # the same moment with a time written, to type for another: "tomorrow 19:30"


def assumed_time(words: list[str]) -> AssumedTime | None:
    """The time a moment's words name by a part of the day or the end of the working day ("tomorrow evening",
    "this morning", "friday COB", "tonight"), when no clock time is written with it; None otherwise."""
    tokens = tokenize(" ".join(words))
    said = [tok for tok in tokens if tok in PARTS_OF_DAY or tok in END_OF_DAY_WORDS or tok == "tonight"]
    if len(said) != 1:
        return None
    word = said[0]
    others = [tok for tok in tokens if tok != word and tok != "at"]
    if [tok for tok in tokens[tokens.index(word) + 1 :] if tok != "at"]:
        return None  # "tomorrow evening 7", "tomorrow evening at 7pm": the time is written
    for tok in others:
        try:
            read_time([tok])
        except (NoMatch, WhenError):
            continue
        return None  # "7pm tomorrow evening"
    if word in END_OF_DAY_WORDS:  # the hour before, as an example: "friday 16:00"
        at, other = read_time([word]), _dt.time(16, 0)
    else:
        at = PARTS_OF_DAY[word].at if word in PARTS_OF_DAY else _TONIGHT
        other = (_dt.datetime.combine(_dt.date(2000, 1, 1), at) + _dt.timedelta(minutes=90)).time()
    day = [tok for tok in others if tok != "this"] or (["today"] if word not in END_OF_DAY_WORDS else [])
    return AssumedTime(" ".join(words), at, " ".join([*day, f"{other:%H:%M}"]))


def _check_next(moment: list[str], word: str, now: _dt.datetime, tz: _dt.tzinfo, default_time: _dt.time) -> None:
    """Refuse the word after a moment that gave no time of day when it is a misspelt time word ("tomorrow evning"):
    the line as meant, never the word taken for the first of the reminder's while the default time is used."""
    tokens, other = tokenize(" ".join(moment)), _dt.time(10, 17) if default_time != _dt.time(10, 17) else None
    try:  # the moment gave a time of its own when another default changes nothing
        timed = _when(tokens, now, tz, other or _dt.time(11, 17)) == _when(tokens, now, tz, default_time)
    except (NoMatch, WhenError):
        return
    if not timed:
        refusal = misspelt_time_word(word, names=not any(w[:1].isupper() for w in moment))
        if refusal is not None:
            raise refusal


def _check_now(now: _dt.datetime) -> None:
    if not isinstance(now, _dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def parse_when(
    text: str,
    *,
    now: _dt.datetime,
    tz: _dt.tzinfo,
    default_time: _dt.time = _dt.time(9, 0),
) -> _dt.datetime:
    """A future moment the officer typed, read in their zone tz; returned aware, in UTC. Raises WhenError."""
    _check_now(now)
    tokens = tokenize(text or "")
    if not tokens:
        raise WhenError("Please say when, e.g. “tomorrow 09:00” or “in 2 hours”.")
    short = short_year(tokens, text.strip())
    if short:  # not "12:00 on Jan 27"
        raise short
    try:
        return _when(tokens, now, tz, default_time)
    except NoMatch:
        raise explain(tokens, "a date or time", text.strip(), now.astimezone(tz).date(), future=True) from None


#: Nouns a part of the day makes one thing with ("night shift", "morning brief", "evening meal"): the reminder's
#: words, not when ("tomorrow night shift roster" is about the night shift roster, tomorrow).
PART_COMPOUNDS = words_of(
    "shift shifts watch watches duty duties ops op operations orders rounds patrol patrols flight flights sailing "
    "sailings brief briefs briefing briefings report reports meeting meetings muster colours colors session sessions "
    "class classes roster rosters schedule standup stand-up sitrep sitreps update updates prayers news routine drill "
    "drills exercise meal tea coffee guard inspection rota slot slots crew team"
)
#: Words that start what a verb acts on ("brief the CO", "report to the XO", "update them"): after one, the word
#: before is a verb and the part of the day is when ("tomorrow morning brief the CO").
OBJECT_WORDS = words_of(
    "the a an my our your their his her its them him me us it this that these those all everyone to with about on at "
    "for in from back"
)


def part_compound(words: list[str]) -> bool:
    """Whether the words start with a part of the day and a noun it makes one thing with ("night shift roster",
    "morning brief slides"), not a part of the day and what to do then ("morning call the DA", "morning brief the
    CO": a verb, acting on what follows)."""
    if len(words) < 2 or tokenize(words[0])[:1] not in [[part] for part in PARTS_OF_DAY]:
        return False
    noun = words[1].strip(".,;:!?()").lower()
    if noun not in PART_COMPOUNDS:
        return False
    after = words[2].strip(".,;:!?()\"“”'") if len(words) > 2 else ""
    return not (after.lower() in OBJECT_WORDS or after[:1].isupper())  # "brief the CO", "brief CDR Lee"


def time_alone(words: list[str]) -> bool:
    """Whether the words are a time of day and nothing else ("9am", "0900", "at 14:30", "noon"): no day said, so the
    next one wherever the time is read."""
    tokens = tokenize(" ".join(words))
    if tokens[:1] == ["at"]:
        tokens = tokens[1:]
    if len(tokens) != 1:
        return False
    try:
        read_time(tokens, alone=True)
    except (NoMatch, WhenError):
        return False
    return True


def split_when(
    words: list[str],
    *,
    now: _dt.datetime,
    tz: _dt.tzinfo,
    default_time: _dt.time = _dt.time(9, 0),
) -> tuple[_dt.datetime, list[str]]:
    """(moment in UTC, remaining words) for the longest leading words that form a moment.

    A leading form we recognise but refuse (a past time, 25:00, 03/04/2027) raises WhenError
    rather than falling back to a shorter prefix. A number that counts what follows is the remaining words', not the
    moment's ("friday 500 copies", "friday 3 containers", "tomorrow 24h notice"; a time written as a clock time and
    a plural, "friday 1500 copies", is asked about); so is a part of the day that makes one thing with the noun after
    it ("tomorrow night shift roster": tomorrow, about the night shift roster), when the words before it are a moment.
    """
    _check_now(now)
    words = [w for w in words if w]
    if not words:
        raise WhenError("Please say when, e.g. “tomorrow 09:00” or “in 2 hours”.")
    near_miss = diagnose(tokenize(" ".join(words[:MAX_WORDS])), now.astimezone(tz).date(), future=True)
    compound: tuple[_dt.datetime, int] | None = None
    for n in range(min(len(words), MAX_WORDS), 0, -1):
        counts = n < len(words) and counted(words[n - 1], words[n])
        try:
            moment = _when(tokenize(" ".join(words[:n])), now, tz, default_time)
        except NoMatch:
            continue
        except WhenError as error:  # "12 janaury": the near miss, not "Is 12 a time?"
            if counts:  # "friday 5 copies": a number of copies, not 5 o'clock
                continue
            raise near_miss or error from None
        if counts:
            clock = words[n - 1].strip(",;:()")
            if re.fullmatch(r"\d{3,4}", clock):  # "friday 1500 copies": 15:00, or fifteen hundred?
                day = "".join(f"{word} " for word in words[: n - 1])
                raise ReadButRefused(
                    f"Is “{clock}” the time or a number of {words[n]}? For the time, write it with a colon: "
                    f"“{day}{clock[:-2].zfill(2)}:{clock[-2:]} {words[n]} …”; for the number, give the time before "
                    f"it: “{day or 'tomorrow '}09:00 {clock} {words[n]} …”."
                )
            continue
        if n < len(words) and part_compound(words[n - 1 :]):  # "tomorrow night shift roster"
            compound = compound or (moment, n)
            continue
        if n < len(words):
            _check_next(words[:n], words[n], now, tz, default_time)
        return moment, words[n:]
    if compound is not None:  # "this evening brief": no moment without the part of the day
        moment, n = compound
        return moment, words[n:]
    raise near_miss or WhenError(
        f"I couldn't find a date or time at the start of {quote(words)}. "
        "Start with when, e.g. “tomorrow 09:00 …” or “in 2 hours …”."
    )
