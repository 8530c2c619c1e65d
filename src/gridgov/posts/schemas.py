"""API shapes of posts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from gridgov.posts.models import Post
from gridgov.posts.types import POST_TYPES
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input


class PostTypeOut(BaseModel):
    code: str
    level: str
    exclusive: bool
    name_zh: str
    name_en: str


class PostOut(BaseModel):
    id: str
    resident_id: str
    resident_name: str | None
    post_type: str
    post_type_name_zh: str
    territory_code: str
    start_date: dt.date
    end_date: dt.date | None
    end_reason: str | None
    current: bool
    created_by: str
    created_at: LocalTimestamp

    @classmethod
    def of(cls, post: Post, resident_name: str | None) -> PostOut:
        kind = POST_TYPES.get(post.post_type)
        return cls(
            id=post.id,
            resident_id=post.resident_id,
            resident_name=resident_name,
            post_type=post.post_type,
            post_type_name_zh=kind.name_zh if kind else post.post_type,
            territory_code=post.territory_code,
            start_date=post.start_date,
            end_date=post.end_date,
            end_reason=post.end_reason,
            current=post.end_date is None,
            created_by=post.created_by,
            created_at=post.created_at,
        )


class PostCreate(Input):
    resident_id: str = Field(min_length=1, max_length=32)
    post_type: str = Field(min_length=1, max_length=32)
    territory_code: str = Field(min_length=6, max_length=17)
    start_date: dt.date


class PostEnd(Input):
    end_date: dt.date
    reason: str = Field(min_length=1, max_length=200)


class Handover(Input):
    post_type: str = Field(min_length=1, max_length=32)
    territory_code: str = Field(min_length=6, max_length=17)
    resident_id: str = Field(min_length=1, max_length=32)
    on_date: dt.date
    reason: str = Field(default="handover", max_length=200)


class HandoverOut(BaseModel):
    ended: PostOut | None
    started: PostOut
