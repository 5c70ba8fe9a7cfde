"""A time zone written after a time ("09:00 UTC", "14:30 JST", "9am Pacific/Fiji", "21:00 UTC+12", "8am Tokyo time"):
read_zone (places, "9am Suva time": commands/when/places.py). "<nation> time" and "local time" are read by the
command that knows the nations (commands/reminders.py).

A zone abbreviation names a fixed offset (EDT is UTC-4), and is the time of one place only part of the year:
check_in_force refuses "9am EDT" on a day New York keeps EST, rather than read it an hour off what was meant. What
looks like a zone but is none we know ("Pacific/Fijii", "UTC+25", "FJST") is refused with what to type, never taken
for the first words of a reminder."""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from commands.when.display import fmt_date
from commands.when.errors import ReadButRefused, WhenError

UTC_NAMES = frozenset({"utc", "gmt", "z", "zulu"})


@dataclass(frozen=True)
class Abbreviation:
    """A zone abbreviation: the offset it stands for, and the zone whose time it names (whose offset must be that
    one on the day it is used)."""

    name: str  # as it is written: "EDT", "ChST"
    hours: float  # its offset from UTC
    zone: str  # "America/New_York"
    place: str  # "New York"
    any_case: bool = True  # False: read only in capitals ("TOT", not the word "tot")

    @property
    def offset(self) -> _dt.timedelta:
        return _dt.timedelta(hours=self.hours)


def _abbreviations(*rows: tuple[str, float, str, str]) -> dict[str, Abbreviation]:
    return {name.lower(): Abbreviation(name, hours, zone, place) for name, hours, zone, place in rows}


#: Zone abbreviations officers write, each the time of one place (the area's, the U.S.'s, Europe's).
ABBREVIATIONS: dict[str, Abbreviation] = _abbreviations(
    ("JST", 9, "Asia/Tokyo", "Japan"),
    ("KST", 9, "Asia/Seoul", "Korea"),
    ("HST", -10, "Pacific/Honolulu", "Hawaii"),
    ("ChST", 10, "Pacific/Guam", "Guam"),
    ("AEST", 10, "Australia/Sydney", "Sydney"),
    ("AEDT", 11, "Australia/Sydney", "Sydney"),
    ("ACST", 9.5, "Australia/Adelaide", "Adelaide"),
    ("ACDT", 10.5, "Australia/Adelaide", "Adelaide"),
    ("AWST", 8, "Australia/Perth", "Perth"),
    ("NZST", 12, "Pacific/Auckland", "New Zealand"),
    ("NZDT", 13, "Pacific/Auckland", "New Zealand"),
    ("SGT", 8, "Asia/Singapore", "Singapore"),
    ("PHT", 8, "Asia/Manila", "the Philippines"),
    ("HKT", 8, "Asia/Hong_Kong", "Hong Kong"),
    ("MYT", 8, "Asia/Kuala_Lumpur", "Malaysia"),
    ("ICT", 7, "Asia/Bangkok", "Indochina"),
    ("WIB", 7, "Asia/Jakarta", "Jakarta"),
    ("WITA", 8, "Asia/Makassar", "central Indonesia"),
    ("FJT", 12, "Pacific/Fiji", "Fiji"),
    ("PGT", 10, "Pacific/Port_Moresby", "Papua New Guinea"),
    ("SBT", 11, "Pacific/Guadalcanal", "Solomon Islands"),
    ("VUT", 11, "Pacific/Efate", "Vanuatu"),
    ("MHT", 12, "Pacific/Majuro", "the Marshall Islands"),
    ("PWT", 9, "Pacific/Palau", "Palau"),
    ("TLT", 9, "Asia/Dili", "Timor-Leste"),
    ("PDT", -7, "America/Los_Angeles", "Los Angeles"),
    ("MST", -7, "America/Denver", "Denver"),
    ("MDT", -6, "America/Denver", "Denver"),
    ("EST", -5, "America/New_York", "New York"),
    ("EDT", -4, "America/New_York", "New York"),
    ("AKST", -9, "America/Anchorage", "Alaska"),
    ("AKDT", -8, "America/Anchorage", "Alaska"),
    ("CET", 1, "Europe/Paris", "Central Europe"),
    ("CEST", 2, "Europe/Paris", "Central Europe"),
    ("EET", 2, "Europe/Athens", "Eastern Europe"),
    ("EEST", 3, "Europe/Athens", "Eastern Europe"),
    ("WET", 0, "Europe/Lisbon", "Western Europe"),
    ("WEST", 1, "Europe/Lisbon", "Western Europe"),
    ("MSK", 3, "Europe/Moscow", "Moscow"),
)
ABBREVIATIONS["tot"] = Abbreviation("TOT", 13, "Pacific/Tongatapu", "Tonga", any_case=False)
ABBREVIATIONS["wit"] = Abbreviation("WIT", 9, "Asia/Jayapura", "eastern Indonesia", any_case=False)

#: Abbreviations that name several zones: refused rather than guessed.
AMBIGUOUS: dict[str, str] = {
    "cst": "US Central, China and Cuba",
    "cdt": "US Central and Cuba",
    "ist": "India, Ireland and Israel",
    "bst": "British summer time and Bangladesh",
    "ast": "Atlantic and Arabia",
    "adt": "Atlantic and Arabia",
    "sst": "Samoa and Singapore",
    "wst": "Western Australia and Samoa",
    "gst": "the Gulf and South Georgia",
    # Philippine Standard Time is PST too, in this area as often as US Pacific: 16 hours apart
    "pst": "US Pacific and the Philippines",
}

#: The first part of a zone's name ("Pacific/Fiji"): a word like "Pacific/Fijii" is a misspelt zone, not words.
AREAS = frozenset(
    {"africa", "america", "antarctica", "arctic", "asia", "atlantic", "australia", "europe", "indian", "pacific", "etc"}
)
ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+")
#: An offset from UTC: "UTC+12", "GMT-5", "UTC+5:30", "+09:00", "+0900" (a bare one has two-digit hours or minutes).
OFFSET = re.compile(r"(?:(utc|gmt|z)([+\-−–])(\d{1,2})(?::?(\d{2}))?)|(?:([+\-−–])(\d{2}|\d:\d{2}|\d{2}:?\d{2}))", re.I)
#: What looks like a zone abbreviation we don't know: capitals ending in ST or DT ("FJST", "PHST").
ABBREVIATION_SHAPE = re.compile(r"[A-Z]{1,3}[SD]T")


@dataclass(frozen=True)
class WrittenZone:
    """A zone written after a time: the clock it names, how the reply names it, how many words it took, and the
    abbreviation it was written as (checked against the day: check_in_force)."""

    tz: _dt.tzinfo
    label: str  # "EDT", "UTC+12", "Fiji time"
    used: int = 1
    abbreviation: Abbreviation | None = None


UTC_ZONE = WrittenZone(_dt.UTC, "UTC")


def offset_label(offset: _dt.timedelta) -> str:
    """ "UTC+12", "UTC-4", "UTC+5:30", "UTC"."""
    minutes = int(offset.total_seconds() // 60)
    if not minutes:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def fixed(offset: _dt.timedelta, name: str | None = None) -> _dt.timezone:
    return _dt.UTC if not offset and not name else _dt.timezone(offset, name or offset_label(offset))


def _offset(typed: str, sign: str, hours: str, minutes: str | None) -> WrittenZone:
    h, m = (int(part) for part in (hours.split(":") if ":" in hours else (hours[:2], hours[2:] or "0")))
    if minutes is not None:
        m = int(minutes)
    total = _dt.timedelta(hours=h, minutes=m) * (1 if sign == "+" else -1)
    if m not in (0, 30, 45) or not _dt.timedelta(hours=-12) <= total <= _dt.timedelta(hours=14):
        raise ReadButRefused(
            f"“{typed}” is not an offset from UTC I can use: offsets run from UTC-12 to UTC+14 in whole hours, half "
            "hours or 45 minutes, e.g. “UTC+12”, “UTC+5:30” or “+09:00”."
        )
    return WrittenZone(fixed(total), offset_label(total))


def read_offset(words: list[str]) -> WrittenZone | None:
    """ "UTC+12", "GMT-5", "UTC+5:30", "+09:00", "UTC +12" as a fixed offset; None when the words start with none."""
    first = words[0].strip(".,;:()")
    if first.lower() in ("utc", "gmt") and len(words) > 1 and re.fullmatch(r"[+\-−–]\d{1,2}(:?\d{2})?", words[1]):
        first, used = first + words[1].strip(".,;:()"), 2  # "UTC +12"
    else:
        used = 1
    m = OFFSET.fullmatch(first)
    if not m:
        return None
    if m[1]:
        sign, hours, minutes = m[2], m[3], m[4]
    else:
        sign, hours, minutes = m[5], m[6], None
    found = _offset(first, "+" if sign == "+" else "-", hours, minutes)
    return WrittenZone(found.tz, found.label, used)


@functools.cache
def zone_names() -> dict[str, str]:
    """Every zone name tzdata knows, by its lower case ("pacific/fiji" -> "Pacific/Fiji")."""
    return {name.lower(): name for name in available_timezones()}


def place_label(key: str) -> str:
    """How a zone is named in a reply: "Fiji time", "Port Moresby time", "US Central time"."""
    area, _, city = key.partition("/")
    place = (city or area).rsplit("/", 1)[-1].replace("_", " ")
    return f"{area} {place} time" if area in ("US", "Canada") else f"{place} time"


def read_zone_name(typed: str) -> WrittenZone | None:
    """A zone's name ("Pacific/Fiji", in any case); a misspelt one is refused with the name meant."""
    if not ZONE_NAME.fullmatch(typed):
        return None
    key = zone_names().get(typed.lower())
    if key is not None:
        try:
            return WrittenZone(ZoneInfo(key), place_label(key))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    close = difflib.get_close_matches(typed.lower(), list(zone_names()), n=1, cutoff=0.8)
    if close:
        meant = zone_names()[close[0]]
        raise WhenError(
            f"I don't know the time zone “{typed}”: did you mean {meant}?", correction=(typed, meant), forms=False
        )
    if typed.split("/", 1)[0].lower() in AREAS:
        raise ReadButRefused(
            f"I don't know the time zone “{typed}”: write a zone's name as tzdata spells it (“Pacific/Fiji”, "
            "“Asia/Manila”), “UTC” or an offset such as “UTC+12”."
        )
    return None


@functools.cache
def _tzdata_abbreviations() -> dict[str, tuple[frozenset[float], tuple[str, ...]]]:
    """The abbreviations tzdata's zones go by this year (in January or July): {name: (offsets in hours, zones)}."""
    found: dict[str, tuple[set[float], list[str]]] = {}
    year = _dt.date.today().year
    for key in sorted(available_timezones()):
        try:
            zone = ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        for month in (1, 7):
            local = _dt.datetime(year, month, 15, 12, tzinfo=_dt.UTC).astimezone(zone)
            name, offset = local.tzname() or "", local.utcoffset()
            if name.isalpha() and offset is not None:
                hours, zones = found.setdefault(name, (set(), []))
                hours.add(offset.total_seconds() / 3600)
                if key not in zones:
                    zones.append(key)
    return {name: (frozenset(hours), tuple(zones)) for name, (hours, zones) in found.items()}


def _abbreviation(typed: str) -> Abbreviation | None:
    """The abbreviation typed: ours in any case (but those that are words, only in capitals), or one tzdata's zones go
    by, written in capitals ("SAST", "EAT": not the word "eat"), naming one offset."""
    key = typed.lower()
    ours = ABBREVIATIONS.get(key)
    if ours is not None and (ours.any_case or typed.isupper()):
        return ours
    if typed == key or typed not in _tzdata_abbreviations():
        return None
    hours, zones = _tzdata_abbreviations()[typed]
    if len(hours) != 1:
        offsets = ", ".join(offset_label(_dt.timedelta(hours=h)) for h in sorted(hours))
        raise ReadButRefused(
            f"“{typed}” names more than one time zone ({offsets}):"
            " write the time in UTC (“09:00 UTC”), as an offset (“09:00 UTC+2”) or with a zone's name."
        )
    return Abbreviation(typed, next(iter(hours)), zones[0], place_label(zones[0]).removesuffix(" time"))


def read_zone(words: list[str]) -> WrittenZone | None:
    """The zone the first words name (an abbreviation, UTC, an offset from UTC, a zone's name) or None. What looks
    like one and is not ("CST", "UTC+25", "Pacific/Fijii", "FJST") is refused with what to type."""
    if not words:
        return None
    typed = words[0].strip(".,;:()")
    key = typed.lower()
    if key in UTC_NAMES:
        offset = read_offset(words) if len(words) > 1 and key in ("utc", "gmt") else None
        return offset or UTC_ZONE
    if key in AMBIGUOUS:
        raise ReadButRefused(
            f"“{typed}” names more than one time zone ({AMBIGUOUS[key]}): write the time in UTC (“09:00 UTC”), "
            "in your own zone (no zone), or as a zone name such as “Pacific/Fiji”."
        )
    abbreviation = _abbreviation(typed)
    if abbreviation is not None:
        return WrittenZone(fixed(abbreviation.offset, abbreviation.name), abbreviation.name, 1, abbreviation)
    offset = read_offset(words)
    if offset is not None:
        return offset
    named = read_zone_name(typed)
    if named is not None:
        return named
    if ABBREVIATION_SHAPE.fullmatch(typed):
        raise ReadButRefused(
            f"I don't know the time zone “{typed}”: write the time in UTC (“09:00 UTC”), as an offset from UTC "
            "(“09:00 UTC+12”) or with a zone's name (“09:00 Pacific/Fiji”)."
        )
    return None


def check_in_force(zone: WrittenZone, moment: _dt.datetime, when: str) -> None:
    """Refuse an abbreviation not in use on that day where it names ("9am EDT" in December: New York keeps EST then),
    saying what to type: the abbreviation in use there, or the offset as an offset. ``when``: the date and time as
    typed ("tomorrow 9am")."""
    abbreviation = zone.abbreviation
    if abbreviation is None:
        return
    known = _tzdata_abbreviations().get(abbreviation.name)
    zones = (abbreviation.zone,) if abbreviation.name.lower() in ABBREVIATIONS else (known[1] if known else ())
    for key in zones:
        there = moment.astimezone(ZoneInfo(key))
        if there.utcoffset() == abbreviation.offset:
            return
    there = moment.astimezone(ZoneInfo(abbreviation.zone))
    offset = there.utcoffset() or _dt.timedelta(0)
    in_use = there.tzname() or ""
    in_use = in_use if in_use.isalpha() else offset_label(offset)
    typed_offset = offset_label(abbreviation.offset)
    # what to type for the place's time: the abbreviation in use, unless it names several zones (PST) or none we read
    usable = in_use.lower() in ABBREVIATIONS and in_use.lower() not in AMBIGUOUS
    instead = in_use if usable else abbreviation.zone
    raise ReadButRefused(
        f"{abbreviation.name} ({typed_offset}) is not in use in {abbreviation.place} on {fmt_date(there.date())}: "
        f"{abbreviation.place} is on {in_use} ({offset_label(offset)}) then. Type “{when} {instead}” for "
        f"{abbreviation.place}'s time, or “{when} {typed_offset}” for {typed_offset}."
    )
