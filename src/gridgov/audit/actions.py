"""Explicit audit entries, for what the automatic recorder cannot see: bulk imports (Core
inserts), reveals of personal fields, exports."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.audit.recorder import UNATTRIBUTED


def do_record(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: str | None = None,
    territory_code: str | None = None,
    changes: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=clock.now(),
        actor=actor or session.info.get("actor", UNATTRIBUTED),
        action=action,
        object_type=object_type,
        object_id=object_id,
        territory_code=territory_code,
        request_id=session.info.get("request_id"),
        changes=changes or {},
    )
    session.add(entry)
    session.flush()
    return entry
