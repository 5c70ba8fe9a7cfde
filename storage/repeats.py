"""The same command sent twice: each officer's latest write command (a hash of its text) and the reply it got, so a
repeat within minutes (a double Enter, a resend) is answered with the first result instead of writing again."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from storage.db import Base, UTCDateTime

#: Set in ``session.info`` once the session has written anything (an ORM flush or an UPDATE/INSERT/DELETE statement).
WROTE = "ipslo.wrote"


class CommandReply(Base):
    """One officer's latest command that wrote something, and the reply it got (Block Kit-free, as JSON)."""

    __tablename__ = "command_replies"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    reply: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def text_hash(text: str) -> str:
    """The command as typed, spacing and letter case aside."""
    return hashlib.sha256(" ".join(text.split()).casefold().encode()).hexdigest()


def first_reply(*, session: Session, user_id: str, text: str, since: dt.datetime) -> str | None:
    """The reply to the same command from the same officer, if it was their latest write and came after ``since``."""
    row = session.get(CommandReply, user_id)
    if row is None or row.text_hash != text_hash(text) or row.recorded_at < since:
        return None
    return row.reply


def remember_reply(*, session: Session, user_id: str, text: str, reply: str, now: dt.datetime) -> None:
    """Keep ``reply`` as the answer to this officer's latest write command (replacing their previous one)."""
    row = session.get(CommandReply, user_id)
    if row is None:
        session.add(CommandReply(user_id=user_id, text_hash=text_hash(text), reply=reply, recorded_at=now))
    else:
        row.text_hash, row.reply, row.recorded_at = text_hash(text), reply, now
    session.flush()


@event.listens_for(Session, "after_flush")
def _wrote_objects(session: Session, _flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _wrote_statement(state: ORMExecuteState) -> Any:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
    return None
