"""Every table, imported in one place so migrations and metadata see them all."""

from gridgov.accounts.models import ApiToken, LoginEvent, RoleAssignment, User, WebSession
from gridgov.audit.models import AuditEntry
from gridgov.cases.models import CalendarDay, Case, CaseCategory, CaseEvent, CaseFollower, CasePhoto
from gridgov.contacts.models import (
    ContactAssignment,
    ContactDigest,
    ContactRhythm,
    ContactState,
    ContactSummary,
    MustVisit,
    PartyMember,
    Visit,
    VisitCase,
    VisitHousehold,
    VisitMember,
    VisitVersion,
)
from gridgov.database.key_checks import KeyCheck
from gridgov.emergency.models import RollCall, RollCallConfirmation, RollCallHousehold, Shelter
from gridgov.groups.case_models import MessageCase
from gridgov.groups.chain_models import ChainEntry, ChainList
from gridgov.groups.models import (
    Group,
    GroupAttachment,
    GroupInvitation,
    GroupMember,
    GroupMention,
    GroupMessage,
)
from gridgov.groups.notice_models import Notice, NoticePosting, NoticeReceipt, NoticeTold
from gridgov.notify.bridges.models import BridgeRoute
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
    "BridgeRoute",
    "CalendarDay",
    "Case",
    "CaseCategory",
    "CaseEvent",
    "CaseFollower",
    "CasePhoto",
    "ChainEntry",
    "ChainList",
    "ContactAssignment",
    "ContactDigest",
    "ContactRhythm",
    "ContactState",
    "ContactSummary",
    "Event",
    "EventCounter",
    "Group",
    "GroupAttachment",
    "GroupInvitation",
    "GroupMember",
    "GroupMention",
    "GroupMessage",
    "Household",
    "KeyCheck",
    "KeyGroup",
    "LoginEvent",
    "MessageCase",
    "MustVisit",
    "Notice",
    "NoticePosting",
    "NoticeReceipt",
    "NoticeTold",
    "Notification",
    "Open311ApiKey",
    "OutboxMessage",
    "PartitionPlan",
    "PartyMember",
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
    "Visit",
    "VisitCase",
    "VisitHousehold",
    "VisitMember",
    "VisitVersion",
    "WebSession",
    "metadata",
]
