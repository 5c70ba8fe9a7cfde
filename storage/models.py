"""Every table of the bot, imported in one place so the metadata (and Alembic's autogenerate) sees them all."""
from storage.db import Base
from storage.nations import Assessment, ConditionOfEntry, Nation
from storage.officers import Officer

__all__ = ["Base", "Assessment", "ConditionOfEntry", "Nation", "Officer"]
