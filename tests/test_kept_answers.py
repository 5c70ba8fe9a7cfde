"""Status and nations answers kept between requests (bot/runtime.py: ReplyCache) are never older than the data.

Each served app below is one web process with its own kept answers; the database is shared, as between the
processes of a PostgreSQL deployment. A change made anywhere (another process's command, SQL by hand) shows in the
next answer of every process, and a new day is a new answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from storage.db import CHANGE_TRACKED, make_engine
from tests.conftest import ADMIN, Workspace, served

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def desks(settings, database, standin) -> Iterator[tuple[Workspace, Workspace]]:
    with (
        served(settings, database, standin, clock=lambda: NOW) as one,
        served(settings, database, standin, clock=lambda: NOW) as other,
    ):
        yield one, other


def by_hand(url: str, statement: str) -> None:
    """SQL through a connection of its own, as another process or an operator at a prompt would write it."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_a_coe_lifted_in_another_process_shows_at_once_in_status_and_nations(desks, database_url) -> None:
    one, other = desks
    assert "Under Conditions of Entry since 26 Jun 2014" in one.command("status nigeria").text
    assert "Nigeria" in one.command("nations coe").text
    assert one.command("status nigeria").text == one.command("status nigeria").text  # kept: the same answer

    other.command("coe nigeria lifted 2026-11-20 PSA 3-26", user=ADMIN)

    shown = one.command("status nigeria").text
    assert "Conditions of Entry lifted 20 Nov 2026" in shown and "Under Conditions of Entry" not in shown
    assert "Nigeria" not in one.command("nations coe").text


def test_a_visit_planned_then_cancelled_by_hand_shows_at_once(desks, database_url) -> None:
    one, other = desks
    assert "Tue 9 Mar" not in one.command("status tonga").text
    other.command("visit add tonga 2027-03-09 to 2027-03-11 port facility visit")
    planned = one.command("status tonga").text
    assert "Tue 9 Mar" in planned

    by_hand(database_url, "UPDATE visits SET status = 'cancelled' WHERE nation_iso2 = 'TO'")

    assert "Tue 9 Mar" not in one.command("status tonga").text


def test_a_nation_put_outside_the_area_by_hand_leaves_the_area_list_at_once(desks, database_url) -> None:
    one, _ = desks
    assert "Tonga" in one.command("nations").text
    by_hand(database_url, "UPDATE nations SET in_area = false WHERE iso2 = 'TO'")
    assert "Tonga" not in one.command("nations").text
    assert "In our area: No" in one.command("status tonga").text


def test_the_next_day_the_overdue_count_moves_on(settings, database, standin) -> None:
    clock = [NOW]
    with served(settings, database, standin, clock=lambda: clock[0]) as desk:
        desk.command("assess fiji 2020-01-10 substantially implementing", user=ADMIN)
        first = desk.command("status fiji").text
        clock[0] = NOW + dt.timedelta(days=1)
        second = desk.command("status fiji").text
    assert "Overdue" in first and first != second
    days = [int(t.split(" days)")[0].rsplit("(", 1)[1]) for t in (first, second)]
    assert days[1] == days[0] + 1


def test_every_table_status_and_nations_read_raises_the_version_on_each_kind_of_write(database_url, database) -> None:
    """A trigger for insert, update and delete on each tracked table (a later migration that rebuilt a table on
    SQLite would drop its triggers: this fails then)."""
    engine = make_engine(database_url)
    try:
        start = database.versions.read()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO visits (nation_iso2, starts_on, ends_on, kind, title, lead_user_id, status,"
                    " recorded_by, recorded_at) VALUES ('FJ', '2030-01-01', '2030-01-02', 'visit', 't', 'U1',"
                    " 'planned', 'U1', '2026-11-25 03:00:00')"
                )
            )
        assert database.versions.read() > start
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM visits WHERE title = 't'"))
        after_delete = database.versions.read()
        assert after_delete > start + 1
        for table in CHANGE_TRACKED:
            before = database.versions.read()
            with engine.begin() as connection:
                key = "iso2" if table == "nations" else "id"
                connection.execute(text(f"INSERT INTO {table} SELECT * FROM {table} WHERE 1 = 0"))  # no row: no change
                changed = connection.execute(text(f"UPDATE {table} SET {key} = {key}")).rowcount
            assert (database.versions.read() > before) == (changed > 0), table
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                found = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
                expected = {f"{t}_{a}_changed" for t in CHANGE_TRACKED for a in ("insert", "update", "delete")}
                assert expected <= set(found)
            else:
                rows = connection.execute(
                    text(
                        "SELECT c.relname, t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                        " WHERE t.tgname = c.relname || '_changed'"
                        " AND c.relnamespace = to_regnamespace(current_schema())"
                    )
                ).all()
                insert_update_delete = 4 | 8 | 16  # pg_trigger.tgtype bits
                assert {name for name, kind in rows if kind & insert_update_delete == insert_update_delete} == set(
                    CHANGE_TRACKED
                )
    finally:
        engine.dispose()


def test_a_kept_connection_the_server_dropped_is_replaced_and_the_answer_is_still_right(
    desks, database_url, database
) -> None:
    one, other = desks
    assert "Under Conditions of Entry" in one.command("status nigeria").text
    other.command("coe nigeria lifted 2026-11-20 PSA 3-26", user=ADMIN)
    kept = list(database.versions._idle)
    assert kept
    for connection in kept:
        if database.engine.dialect.name == "postgresql":  # ended by the server, as a restart would
            by_hand(database_url, f"SELECT pg_terminate_backend({int(connection.info.backend_pid)})")
        else:  # SQLite: closed under the reader
            connection.close()
    shown = one.command("status nigeria").text
    assert "Conditions of Entry lifted 20 Nov 2026" in shown and "Under Conditions of Entry" not in shown
