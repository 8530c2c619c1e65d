"""Every table, imported in one place so migrations and metadata see them all."""

from gridgov.accounts.models import ApiToken, LoginEvent, RoleAssignment, User, WebSession
from gridgov.audit.models import AuditEntry
from gridgov.cases.models import CalendarDay, Case, CaseCategory, CaseEvent, CaseFollower, CasePhoto
from gridgov.database.key_checks import KeyCheck
from gridgov.emergency.models import RollCall, RollCallConfirmation, RollCallHousehold, Shelter
from gridgov.notify.models import Notification, OutboxMessage
from gridgov.notify.realtime.models import Event, EventCounter
from gridgov.open311.models import Open311ApiKey
from gridgov.partition.models import PartitionPlan
from gridgov.posts.models import Post
from gridgov.registry.models import Household, KeyGroup, RegistryEvent, Resident, ResidentKeyGroup
from gridgov.storage.base import Base
from gridgov.territory.models import Territory

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CalendarDay",
    "Case",
    "CaseCategory",
    "CaseEvent",
    "CaseFollower",
    "CasePhoto",
    "Event",
    "EventCounter",
    "Household",
    "KeyCheck",
    "KeyGroup",
    "LoginEvent",
    "Notification",
    "Open311ApiKey",
    "OutboxMessage",
    "PartitionPlan",
    "Post",
    "RegistryEvent",
    "Resident",
    "ResidentKeyGroup",
    "RoleAssignment",
    "RollCall",
    "RollCallConfirmation",
    "RollCallHousehold",
    "Shelter",
    "Territory",
    "User",
    "WebSession",
    "metadata",
]
