"""Every table of the bot, imported in one place so the metadata (and Alembic's autogenerate) sees them all."""

from storage.calendar import CalendarFeed
from storage.db import Base, ReferenceLoad
from storage.knowledge import AskMiss, KnowledgeEntry
from storage.nations import Assessment, CoeConfirmation, CoeException, ConditionOfEntry, Nation, ReferenceChange
from storage.notes import Note, NoteChange, NoteFollowUp
from storage.officers import Officer
from storage.reminders import DigestRun, Reminder
from storage.repeats import CommandReply
from storage.slack_requests import SlackRequest
from storage.submissions import FormSubmission
from storage.tracker import ImportedRecord
from storage.visits import Visit

__all__ = [
    "AskMiss",
    "Assessment",
    "Base",
    "CalendarFeed",
    "CoeConfirmation",
    "CoeException",
    "CommandReply",
    "ConditionOfEntry",
    "DigestRun",
    "FormSubmission",
    "ImportedRecord",
    "KnowledgeEntry",
    "Nation",
    "Note",
    "NoteChange",
    "NoteFollowUp",
    "Officer",
    "ReferenceChange",
    "ReferenceLoad",
    "Reminder",
    "SlackRequest",
    "Visit",
]
