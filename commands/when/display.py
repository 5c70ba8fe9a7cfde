"""Dates and moments as an officer reads them: "Tue 5 Jan 2027", "Tue 5 Jan 2027 09:00 JST"."""

from __future__ import annotations

import datetime as _dt
import re


def fmt_date(d: _dt.date) -> str:
    return f"{d:%a %-d %b %Y}"


def _zone_abbr(local: _dt.datetime) -> str:
    name = local.tzname() or ""
    m = re.fullmatch(r"([+-])(\d{2})(\d{2})?", name)
    if m:
        return f"UTC{m[1]}{int(m[2])}" + (f":{m[3]}" if m[3] and m[3] != "00" else "")
    return name


def describe(moment_utc: _dt.datetime, tz: _dt.tzinfo) -> str:
    """A moment as the officer sees it in tz, e.g. "Tue 5 Jan 2027 09:00 JST" (numeric zones as "UTC+13")."""
    if moment_utc.tzinfo is None:
        moment_utc = moment_utc.replace(tzinfo=_dt.UTC)
    local = moment_utc.astimezone(tz)
    return f"{fmt_date(local.date())} {local:%H:%M} {_zone_abbr(local)}"


def zone_key(tz: _dt.tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)
