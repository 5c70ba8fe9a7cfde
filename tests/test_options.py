"""The nation type-ahead: what an officer types in a form's nation menu brings the nation they mean to the top."""

from __future__ import annotations

import pytest

from bot.options import MAX_OPTIONS
from tests.conftest import Workspace
from tests.interactions import suggest


def offered(workspace: Workspace, typed: str) -> list[str]:
    answer = suggest(workspace, typed)
    assert answer.status == 200
    options = answer.body["options"]
    assert len(options) <= MAX_OPTIONS
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in options)
    return [o["value"] for o in options]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("fiji", "FJ"),
        ("fjii", "FJ"),  # a typo
        ("PNG", "PG"),  # an alias, in capitals
        ("east timor", "TL"),  # a former name
        ("Viet Nam", "VN"),
        ("TO", "TO"),  # an ISO code
        ("phillipines", "PH"),
        ("sol", "SB"),  # the start of a name
        ("micro", "FM"),  # a word of a name
    ],
)
def test_what_is_typed_brings_the_nation_meant_first(workspace: Workspace, typed: str, first: str) -> None:
    assert offered(workspace, typed)[0] == first


def test_opening_the_menu_lists_our_area_first(workspace: Workspace) -> None:
    values = offered(workspace, "")
    assert "FJ" in values and "JP" in values
    assert values.index("FJ") < values.index("US")  # the United States is outside our area
    assert values.index("TO") < values.index("GU")  # Guam, a U.S. territory, too


def test_a_name_of_two_places_offers_both_and_nonsense_offers_none(workspace: Workspace) -> None:
    assert set(offered(workspace, "korea")[:2]) == {"KR", "KP"}
    assert offered(workspace, "xyzzy") == []


def test_someone_outside_the_team_gets_no_nations(settings, database, standin) -> None:
    from dataclasses import replace

    from tests.conftest import served

    with served(replace(settings, officers=frozenset({"U0SOMEONE"})), database, standin) as workspace:
        answer = suggest(workspace, "fiji")
    assert answer.status == 200 and not answer.body.get("options")
