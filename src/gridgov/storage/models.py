"""Every table, imported in one place so migrations and metadata see them all."""

from gridgov.posts.models import Post
from gridgov.registry.models import Household, KeyGroup, RegistryEvent, Resident, ResidentKeyGroup
from gridgov.territory.models import Territory

__all__ = [
    "Household",
    "KeyGroup",
    "Post",
    "RegistryEvent",
    "Resident",
    "ResidentKeyGroup",
    "Territory",
]
