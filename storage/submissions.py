"""Form submissions already acted on: a submitted form's view id, what it wrote, and who sent it, so that the same
form sent twice (a double tap, Slack retrying) writes once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import Base, UTCDateTime, utcnow


class FormSubmission(Base):
    """One submitted form that wrote something: its key (``view:<view id>``), the kind of record and its id."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    form: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def claim(*, session: Session, key: str, form: str, recorded_by: str) -> FormSubmission | None:
    """Claim ``key`` for this transaction: None when it is ours to act on, else the earlier submission.

    The insert skips a key already there, so two submissions racing each other act once: the second waits for the
    first's transaction on PostgreSQL (or for the database lock on SQLite) and then finds its row."""
    earlier = session.get(FormSubmission, key)
    if earlier is not None:
        return earlier
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(FormSubmission)
        .values(key=key, form=form, record_id=None, recorded_by=recorded_by, recorded_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(FormSubmission.key)
    )
    if session.execute(statement).scalar() is not None:
        return None
    session.expire_all()
    return session.scalars(select(FormSubmission).where(FormSubmission.key == key)).one()


def record(*, session: Session, key: str, record_id: int) -> None:
    """What the claimed submission wrote (the visit, reminder or assessment id)."""
    submission = session.get(FormSubmission, key)
    assert submission is not None, key
    submission.record_id = record_id
    session.flush()
