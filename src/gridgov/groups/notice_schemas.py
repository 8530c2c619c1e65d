"""API shapes of notices, receipts, chain replies and message-to-case."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from gridgov.groups.chain_models import ChainEntry, ChainList
from gridgov.groups.notice_models import Notice
from gridgov.groups.receipts import Tally
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input, MultiLine

Priority = Literal["normal", "important", "urgent"]


class NoticeCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    body: MultiLine = Field(min_length=1, max_length=3000)
    priority: Priority = "normal"
    ack_required: bool = False


class TerritoryNoticeCreate(NoticeCreate):
    territory_code: str = Field(max_length=17, description="a village or a grid")


class NoticeOut(BaseModel):
    id: str
    group_id: str | None
    territory_code: str
    title: str
    body: str
    priority: str
    ack_required: bool
    drill: bool
    created_at: LocalTimestamp
    read: bool = False
    acknowledged: bool = False

    @classmethod
    def of(cls, notice: Notice, *, read: bool = False, acknowledged: bool = False) -> NoticeOut:
        return cls(
            id=notice.id,
            group_id=notice.group_id,
            territory_code=notice.territory_code,
            title=notice.title,
            body=notice.body,
            priority=notice.priority,
            ack_required=notice.ack_required,
            drill=notice.drill,
            created_at=notice.created_at,
            read=read,
            acknowledged=acknowledged,
        )


class NoticeReadIn(Input):
    acknowledge: bool = False


class ToldIn(Input):
    household_id: str = Field(min_length=1, max_length=32)
    channel: Literal["in_person", "phone"]
    confirmed: bool = False


class ToldOut(BaseModel):
    notice_id: str
    household_id: str
    channel: str
    confirmed: bool
    told_at: LocalTimestamp


class TallyOut(BaseModel):
    code: str | None
    name: str | None
    households: int
    read: int
    acknowledged: int

    @classmethod
    def of(cls, code: str | None, name: str | None, tally: Tally) -> TallyOut:
        return cls(
            code=code,
            name=name,
            households=tally.households,
            read=tally.read,
            acknowledged=tally.acknowledged,
        )


class HouseholdReceiptOut(BaseModel):
    household_id: str
    household_no: str
    unit_code: str | None
    read: bool
    acknowledged: bool


class ReceiptsOut(BaseModel):
    notice_id: str
    ack_required: bool
    total: TallyOut
    by_grid: list[TallyOut]
    by_unit: list[TallyOut]
    households: list[HouseholdReceiptOut]


class ReminderHousehold(BaseModel):
    household_id: str
    household_no: str


class ReminderOut(BaseModel):
    leader_user_id: str | None
    leader_name: str | None
    households: list[ReminderHousehold]


class ReminderPage(BaseModel):
    items: list[ReminderOut]
    total: int


class ChainCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    fields: list[str] = Field(default_factory=list, max_length=10)
    closes_at: AwareDatetime


class ChainSign(Input):
    values: dict[str, str] = Field(default_factory=dict, max_length=10)


class ChainEntryOut(BaseModel):
    position: int
    user_id: str
    name: str
    values: dict[str, str]
    updated_at: LocalTimestamp

    @classmethod
    def of(cls, entry: ChainEntry) -> ChainEntryOut:
        return cls(
            position=entry.position,
            user_id=entry.user_id,
            name=entry.name,
            values={k: str(v) for k, v in entry.values.items()},
            updated_at=entry.updated_at,
        )


class ChainOut(BaseModel):
    id: str
    group_id: str
    message_id: str
    title: str
    fields: list[str]
    closes_at: LocalTimestamp
    closed: bool
    entries: list[ChainEntryOut]

    @classmethod
    def of(cls, chain: ChainList, entries: list[ChainEntry], *, closed: bool) -> ChainOut:
        return cls(
            id=chain.id,
            group_id=chain.group_id,
            message_id=chain.message_id,
            title=chain.title,
            fields=list(chain.fields),
            closes_at=chain.closes_at,
            closed=closed,
            entries=[ChainEntryOut.of(entry) for entry in entries],
        )


class MessageCaseIn(Input):
    category_code: str | None = Field(
        default=None, max_length=32, description="default: suggested from the message's text"
    )
    description: MultiLine | None = Field(default=None, max_length=2000)


class MessageCaseOut(BaseModel):
    message_id: str
    case_id: str
    group_id: str
    category_code: str
    territory_code: str
