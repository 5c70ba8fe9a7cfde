"""A time zone written after a time ("09:00 UTC", "14:30 JST", "9am Pacific/Fiji", "21:00 UTC+12", "8am Tokyo time"):
read_zone (places, "9am Suva time": commands/when/places.py). "<nation> time" and "local time" are read by the
command that knows the nations (commands/reminders.py).

A zone abbreviation names a fixed offset (EDT is UTC-4), and is the time of one place only part of the year:
check_in_force refuses "9am EDT" on a day New York keeps EST, rather than read it an hour off what was meant, unless a
place keeps it then ("9am AEST" in December is Brisbane's). Only the abbreviations of :data:`ABBREVIATIONS` are read:
tzdata's others are words as often ("9am MET office brief", "9am CAT drill" stay the reminder's). What looks like a
zone but is none we know ("Pacific/Fijii", "UTC+25", "FJST") is refused with what to type, never taken for the first
words of a reminder; two areas ("Asia/Pacific") are words."""

from __future__ import annotations

import dataclasses
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
    #: Places that keep it when ``zone`` does not ("AEST": Brisbane, while Sydney is on AEDT): (zone, place).
    kept_by: tuple[tuple[str, str], ...] = ()

    @property
    def offset(self) -> _dt.timedelta:
        return _dt.timedelta(hours=self.hours)


def _abbreviations(*rows: tuple[str, float, str, str]) -> dict[str, Abbreviation]:
    return {name.lower(): Abbreviation(name, hours, zone, place) for name, hours, zone, place in rows}


#: Zone abbreviations officers write, each the time of one place (the area's, the U.S.'s, Europe's). Only these
#: are read: tzdata's others ("MET", "CAT", "EAT", "WAT") are words as often as zones ("MET office brief", "CAT
#: drill"), and stay the reminder's text.
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
    ("MSK", 3, "Europe/Moscow", "Moscow"),
    ("SAST", 2, "Africa/Johannesburg", "South Africa"),
    ("PKT", 5, "Asia/Karachi", "Pakistan"),
)
#: Abbreviations kept all year somewhere officers name while the place they name changes its clock: AEST in
#: Queensland (the ports of Brisbane, Cairns, Townsville), ACST in the Northern Territory (Darwin), MST in Arizona.
for _name, _kept_by in (
    ("aest", (("Australia/Brisbane", "Brisbane"),)),
    ("acst", (("Australia/Darwin", "Darwin"),)),
    ("mst", (("America/Phoenix", "Arizona"),)),
):
    ABBREVIATIONS[_name] = dataclasses.replace(ABBREVIATIONS[_name], kept_by=_kept_by)

#: Abbreviations that are also words or the words' abbreviations ("west", "wet", "Sgt", "tot", "wit"): read only
#: in capitals ("9am WEST", never "9am west gate").
ABBREVIATIONS.update(
    {
        name.lower(): Abbreviation(name, hours, zone, place, any_case=False)
        for name, hours, zone, place in (
            ("TOT", 13, "Pacific/Tongatapu", "Tonga"),
            ("WIT", 9, "Asia/Jayapura", "eastern Indonesia"),
            ("SGT", 8, "Asia/Singapore", "Singapore"),
            ("WET", 0, "Europe/Lisbon", "Western Europe"),
            ("WEST", 1, "Europe/Lisbon", "Western Europe"),
            ("IDT", 3, "Asia/Jerusalem", "Israel"),
            ("HDT", -9, "America/Adak", "the Aleutian Islands"),
            ("NST", -3.5, "America/St_Johns", "Newfoundland"),
            ("NDT", -2.5, "America/St_Johns", "Newfoundland"),
        )
    }
)

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


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def near_zone_name(typed: str) -> str | None:
    """The zone's name ``typed`` is a likely misspelling of, part by part: its area and its city each close to a real
    zone's ("Pacific/Fijii", "Pacfic/Fiji" -> Pacific/Fiji); never another area's city of the same name ("Asia/Pacific"
    is no misspelt US/Pacific)."""
    area, _, city = typed.lower().partition("/")
    for close in difflib.get_close_matches(typed.lower(), list(zone_names()), n=5, cutoff=0.8):
        their_area, _, their_city = close.partition("/")
        if _similar(area, their_area) >= 0.75 and _similar(city, their_city) >= 0.75:
            return zone_names()[close]
    return None


def read_zone_name(typed: str) -> WrittenZone | None:
    """A zone's name ("Pacific/Fiji", in any case); a misspelt one is refused with the name meant, and one in an area
    we know that names no zone ("Pacific/Nowhere") with how to write one. Two areas ("Asia/Pacific", "Pacific/Asia")
    are words, not a zone: None."""
    if not ZONE_NAME.fullmatch(typed):
        return None
    key = zone_names().get(typed.lower())
    if key is not None:
        try:
            return WrittenZone(ZoneInfo(key), place_label(key))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    parts = typed.lower().split("/")
    if all(part in AREAS for part in parts):  # "the Asia/Pacific forum": a region, the reminder's words
        return None
    meant = near_zone_name(typed)
    if meant is not None:
        raise WhenError(
            f"I don't know the time zone “{typed}”: did you mean {meant}?", correction=(typed, meant), forms=False
        )
    if parts[0] in AREAS:
        raise ReadButRefused(
            f"I don't know the time zone “{typed}”: write a zone's name as tzdata spells it (“Pacific/Fiji”, "
            "“Asia/Manila”), “UTC” or an offset such as “UTC+12”."
        )
    return None


def _abbreviation(typed: str) -> Abbreviation | None:
    """The abbreviation typed, if it is one of ours (:data:`ABBREVIATIONS`): in any case, or, for those that are also
    words ("WEST", "SGT"), in capitals. No other is read as a zone: "9am MET office brief", "9am CAT drill" are the
    reminder's words."""
    ours = ABBREVIATIONS.get(typed.lower())
    if ours is not None and (ours.any_case or typed.isupper()):
        return ours
    return None


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


def check_in_force(zone: WrittenZone, moment: _dt.datetime, when: str) -> WrittenZone:
    """The zone written, checked against the day: an abbreviation not in use on that day where it names is refused
    ("9am EDT" in December: New York keeps EST then), saying what to type: the abbreviation in use there, or the
    offset as an offset; unless a place that keeps it all year keeps it then ("9am AEST" in December: Brisbane's
    time, while Sydney is on AEDT), which the zone's label then names ("AEST (Brisbane)"). ``when``: the date and
    time as typed ("tomorrow 9am")."""
    abbreviation = zone.abbreviation
    if abbreviation is None:
        return zone
    there = moment.astimezone(ZoneInfo(abbreviation.zone))
    if there.utcoffset() == abbreviation.offset:
        return zone
    for key, place in abbreviation.kept_by:
        if moment.astimezone(ZoneInfo(key)).utcoffset() == abbreviation.offset:
            return dataclasses.replace(zone, label=f"{abbreviation.name} ({place})")
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
