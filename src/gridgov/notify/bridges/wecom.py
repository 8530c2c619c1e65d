"""The WeCom group robot bridge: a group's posts to its robot's webhook.

``POST {base}/cgi-bin/webhook/send?key=KEY`` with ``{"msgtype": "text", "text": {"content":
..., "mentioned_mobile_list": [...]}}``, ``{"msgtype": "markdown", "markdown": {"content":
...}}`` or ``{"msgtype": "image", "image": {"base64": ..., "md5": ...}}``; WeCom answers
``{"errcode": 0, "errmsg": "ok"}``. A text holds at most 2,048 UTF-8 bytes and a markdown
4,096: longer posts are split between characters (gridgov.notify.bridges.text).

A robot takes at most 20 messages a minute (a sliding window over the route's
``send_times``). While the budget lasts each row is its own message; when more rows wait
than the budget allows (the bridge is behind), consecutive posts of one format are merged
into as few messages as fit the byte limit, in order, their @-mentions joined; what still
does not fit waits for the window to free. errcode 45009 (too many) raises Throttled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy.orm import Session

from gridgov.i18n import DEFAULT_PAGE_LANGUAGE, Message
from gridgov.notify.bridges import ratelimit
from gridgov.notify.bridges.enqueue import GROUP_IMAGE, mentioned_mobiles
from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.bridges.protocol import BridgeFailure, Plan, Request, Throttled
from gridgov.notify.bridges.text import SEPARATOR, pack, split_utf8
from gridgov.notify.bridges.transport import post_json
from gridgov.notify.models import OutboxMessage

PATH: Final = "/cgi-bin/webhook/send"
BYTE_LIMITS: Final = {"text": 2048, "markdown": 4096}
TOO_MANY: Final = 45009
# What stands before a post's text, by priority (in the deployment's page language).
PRIORITY_MARKS: Final = {"urgent": Message("[Urgent] "), "important": Message("[Important] ")}


def rendered_text(payload: dict[str, Any]) -> str:
    mark = PRIORITY_MARKS.get(str(payload.get("priority")))
    prefix = mark.render(DEFAULT_PAGE_LANGUAGE) if mark is not None else ""
    return prefix + str(payload.get("text", ""))


def _text_bodies(texts: Sequence[str], format_: str, mobiles: Sequence[str]) -> list[dict]:
    joined = SEPARATOR.join(texts)
    bodies: list[dict] = []
    for part in split_utf8(joined, BYTE_LIMITS[format_]):
        if format_ == "markdown":
            bodies.append({"msgtype": "markdown", "markdown": {"content": part}})
            continue
        text: dict[str, Any] = {"content": part}
        if mobiles:
            text["mentioned_mobile_list"] = list(mobiles)
        bodies.append({"msgtype": "text", "text": text})
    return bodies


def _single(row: OutboxMessage) -> Request:
    payload = row.payload
    if row.kind == GROUP_IMAGE:
        image = {"base64": payload["image_base64"], "md5": payload["md5"]}
        return Request(messages=(row,), content=[{"msgtype": "image", "image": image}])
    format_ = str(payload.get("format", "text"))
    bodies = _text_bodies([rendered_text(payload)], format_, mentioned_mobiles(payload))
    return Request(messages=(row,), content=bodies, cost=len(bodies))


def _runs(rows: Sequence[OutboxMessage]) -> list[list[OutboxMessage]]:
    """Consecutive rows that may merge: posts of one format (an image stands alone)."""
    runs: list[list[OutboxMessage]] = []
    for row in rows:
        key = None if row.kind == GROUP_IMAGE else row.payload.get("format", "text")
        last = runs[-1] if runs else None
        if (
            last
            and key is not None
            and last[0].kind != GROUP_IMAGE
            and (last[0].payload.get("format", "text") == key)
        ):
            last.append(row)
        else:
            runs.append([row])
    return runs


def _merged(run: list[OutboxMessage]) -> list[Request]:
    if run[0].kind == GROUP_IMAGE:
        return [_single(run[0])]
    format_ = str(run[0].payload.get("format", "text"))
    texts = [rendered_text(row.payload) for row in run]
    requests = []
    for indexes in pack(texts, BYTE_LIMITS[format_]):
        rows = [run[index] for index in indexes]
        mobiles = list(dict.fromkeys(m for row in rows for m in mentioned_mobiles(row.payload)))
        bodies = _text_bodies([texts[index] for index in indexes], format_, mobiles)
        requests.append(Request(messages=tuple(rows), content=bodies, cost=len(bodies)))
    return requests


def send_times(route: BridgeRoute) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(value) for value in route.send_times or []]


def _within_budget(requests: list[Request], slots: int) -> tuple[list[Request], int]:
    """The leading requests whose costs fit ``slots`` (order kept: none skips ahead)."""
    taken: list[Request] = []
    used = 0
    for request in requests:
        if used + request.cost > slots:
            break
        taken.append(request)
        used += request.cost
    return taken, used


class WeComBridge:
    channel = "wecom"

    def __init__(self, *, timeout: float, per_minute: int = ratelimit.WECOM_PER_MINUTE) -> None:
        self.timeout = timeout
        self.per_minute = per_minute

    def plan(
        self,
        session: Session,
        route: BridgeRoute | None,
        pending: Sequence[OutboxMessage],
        *,
        now: dt.datetime,
    ) -> Plan:
        if route is None:
            raise BridgeFailure("a WeCom message names no route")
        times = send_times(route)
        slots = ratelimit.free_slots(times, now, limit=self.per_minute)
        singles = [_single(row) for row in pending]
        if sum(request.cost for request in singles) <= slots:
            return Plan(requests=singles)
        merged = [request for run in _runs(pending) for request in _merged(run)]
        taken, used = _within_budget(merged, slots)
        sent = {id(row) for request in taken for row in request.messages}
        later = [row for row in pending if id(row) not in sent]
        later_at = ratelimit.next_free_at([*times, *([now] * used)], now, limit=self.per_minute)
        return Plan(requests=taken, later=later, later_at=later_at)

    def send(
        self, session: Session, route: BridgeRoute | None, request: Request, *, now: dt.datetime
    ) -> None:
        if route is None:
            raise BridgeFailure("a WeCom message names no route")
        url = f"{route.base_url}{PATH}?key={route.webhook_key}"
        for body in request.content:
            self._note_send(route, now)
            answer = post_json(url, body, timeout=self.timeout).json()
            code = answer.get("errcode")
            if code == TOO_MANY:
                raise Throttled(f"errcode {code}: {answer.get('errmsg', '')}")
            if code != 0:
                raise BridgeFailure(f"errcode {code}: {answer.get('errmsg', '')}")

    def _note_send(self, route: BridgeRoute, now: dt.datetime) -> None:
        """Count the request against the robot's minute (kept on the route's row)."""
        kept = ratelimit.recent(send_times(route), now)[-self.per_minute :]
        route.send_times = [time.isoformat() for time in [*kept, now][-self.per_minute :]]
