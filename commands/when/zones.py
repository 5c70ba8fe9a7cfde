"""A time zone written after a time ("09:00 UTC", "14:30 JST", "9am Pacific/Fiji"): read_zone. "<nation> time" is
read by the command that knows the nations (commands/reminders.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.when.errors import ReadButRefused

#: Zone abbreviations officers in the region write, each naming one zone. UTC's names first.
ABBREVIATIONS: dict[str, str] = {
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "zulu": "UTC",
    "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    "hst": "Pacific/Honolulu",
    "chst": "Pacific/Guam",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "sgt": "Asia/Singapore",
    "pht": "Asia/Manila",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "est": "America/New_York",
    "edt": "America/New_York",
}
#: Abbreviations that name several zones: refused rather than guessed.
AMBIGUOUS: dict[str, str] = {
    "cst": "US Central, China and Cuba",
    "ist": "India, Ireland and Israel",
    "bst": "British summer time and Bangladesh",
    "ast": "Atlantic and Arabia",
    "sst": "Samoa and Singapore",
    "wst": "Western Australia and Samoa",
}


def read_zone(words: list[str]) -> tuple[ZoneInfo, int] | None:
    """The zone the first word names and how many words it takes (one), or None. Raises ReadButRefused for an
    abbreviation that names several zones."""
    if not words:
        return None
    typed = words[0].strip(".,;:()")
    key = typed.lower()
    if key in AMBIGUOUS:
        raise ReadButRefused(
            f"“{typed}” names more than one time zone ({AMBIGUOUS[key]}): write the time in UTC (“09:00 UTC”), "
            "in your own zone (no zone), or as a zone name such as “Pacific/Fiji”."
        )
    if key in ABBREVIATIONS:
        return ZoneInfo(ABBREVIATIONS[key]), 1
    if "/" in typed:  # an IANA name: "Pacific/Fiji", "Asia/Manila"
        try:
            return ZoneInfo(typed), 1
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None
