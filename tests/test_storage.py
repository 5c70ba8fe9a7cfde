"""The database on SQLite and PostgreSQL: migrations match the models, reference data loads idempotently, times stay
UTC."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text, update

import storage.models
from bot.runtime import open_database
from bot.settings import Settings
from storage.db import (
    REFERENCE_DATA,
    Base,
    ReferenceLoad,
    alembic_config,
    at_head,
    head_revision,
    make_engine,
    migrate,
    reference_digest,
)
from storage.nations import Assessment, ConditionOfEntry, Nation, load_reference
from storage.officers import get_officer, remember_officer


def test_migrating_an_empty_database_leaves_no_difference_from_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_object": lambda obj, name, type_, *_: not (type_ == "table" and "_fts" in (name or "")),
                },
            )
            assert compare_metadata(context, Base.metadata) == []
        migrate(engine)  # a second start changes nothing
        assert {"nations", "assessments", "conditions_of_entry", "officers"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_start_skips_alembic_only_when_the_schema_is_at_alembics_head(database_url: str) -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert not at_head(connection)  # an empty database: no version table yet
        migrate(engine, "0011")
        with engine.connect() as connection:
            assert not at_head(connection)  # one migration behind: a start applies it
        migrate(engine)
        with engine.connect() as connection:
            assert at_head(connection)
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
    finally:
        engine.dispose()


def test_a_start_loads_the_shipped_data_again_only_when_it_changed(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    first = open_database(settings)
    with first.sessions.begin() as session:  # a shipped row as an older version of the files had it
        session.get(Nation, "FJ").official_name = "Dominion of Fiji"
    first.engine.dispose()

    same = open_database(settings)  # the same files: nothing to load, so nothing is touched
    with same.sessions() as session:
        assert session.get(Nation, "FJ").official_name == "Dominion of Fiji"
        session.execute(update(ReferenceLoad).values(digest="files of an older version"))
        session.commit()
    same.engine.dispose()

    changed = open_database(settings)  # other files (or loaders): loaded again, as every start did before
    try:
        with changed.sessions() as session:
            assert session.get(Nation, "FJ").official_name == "Republic of Fiji"
            assert session.get(ReferenceLoad, "shipped").digest == reference_digest()
    finally:
        changed.engine.dispose()


def test_reference_data_loads_once_and_again_changes_nothing(database) -> None:
    with database.sessions.begin() as session:
        assert load_reference(session=session) == {"added": 0, "updated": 0}  # open_database loaded it already
        nations = session.scalars(select(Nation)).all()
        assert len(nations) >= 52
        assert all(n.recorded_by == REFERENCE_DATA and n.recorded_at.tzinfo for n in nations)


def test_loading_reference_data_never_overwrites_what_officers_recorded(database) -> None:
    with database.sessions.begin() as session:
        fiji = session.get(Nation, "FJ")
        fiji.name, fiji.recorded_by = "Viti", "U0ADMIN"
        session.add(
            ConditionOfEntry(
                nation_iso2="FJ",
                effective_on=dt.date(2026, 1, 2),
                source="officer entry",
                as_of=dt.date(2026, 1, 2),
                recorded_by="U0ADMIN",
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
        session.add(
            Assessment(
                nation_iso2="TO",
                assessed_on=dt.date(2025, 5, 1),
                outcome="substantially implementing the ISPS Code",
                source=None,
                recorded_by="U0ADMIN",
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
    with database.sessions.begin() as session:
        load_reference(session=session)
    with database.sessions() as session:
        assert session.get(Nation, "FJ").name == "Viti"
        officer_rows = session.scalars(select(ConditionOfEntry).where(ConditionOfEntry.recorded_by == "U0ADMIN")).all()
        assert [row.source for row in officer_rows] == ["officer entry"]
        assert session.scalars(select(Assessment)).one().nation_iso2 == "TO"


def test_timestamps_come_back_as_the_same_utc_moment(database) -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    with database.sessions.begin() as session:
        remember_officer(session=session, user_id="U0TZ", name="Tz", tz="Asia/Tokyo")
        officer = session.get(storage.models.Officer, "U0TZ")
        officer.fetched_at = dt.datetime(2026, 11, 20, 18, 0, tzinfo=tokyo)
    with database.sessions() as session:
        fetched = session.get(storage.models.Officer, "U0TZ").fetched_at
        assert fetched == dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
        assert fetched.utcoffset() == dt.timedelta(0)
        assert get_officer(session=session, user_id="U0TZ") is None  # older than a day: asked again
