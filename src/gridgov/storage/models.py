"""Every table, imported in one place so migrations and metadata see them all."""

from gridgov.accounts.models import ApiToken, LoginEvent, RoleAssignment, User
from gridgov.audit import recorder  # noqa: F401 - audits every ORM write
from gridgov.audit.models import AuditEntry
from gridgov.posts.models import Post
from gridgov.registry.models import Household, KeyGroup, RegistryEvent, Resident, ResidentKeyGroup
from gridgov.territory.models import Territory

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Household",
    "KeyGroup",
    "LoginEvent",
    "Post",
    "RegistryEvent",
    "Resident",
    "ResidentKeyGroup",
    "RoleAssignment",
    "Territory",
    "User",
]
