"""The platform's sessions audit every ORM write and run every hook; storage's stay bare."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from gridgov.audit.models import AuditEntry
from gridgov.database.sessions import session_factory
from gridgov.storage.engine import session_factory as bare_session_factory
from gridgov.territory.models import Territory

SOURCE = str(Path(__file__).resolve().parents[2] / "src")


def _add_district(maker, code: str) -> int:
    """Add a node through a session of ``maker`` (rolled back); the audit entries it made."""
    with maker() as session:
        session.add(Territory(code=code, level="district", name_zh="秀屿区", name_en="Xiuyu"))
        session.flush()
        audited = AuditEntry.object_type == "territories"
        entries = session.scalar(select(func.count()).select_from(AuditEntry).where(audited))
        session.rollback()
    return entries


def test_only_the_platforms_sessions_audit(connection) -> None:
    options = {"join_transaction_mode": "create_savepoint"}
    assert _add_district(session_factory(connection, **options), "350399") == 1
    assert _add_district(bare_session_factory(connection, **options), "350398") == 0


def test_building_the_sessions_installs_every_hook_in_a_fresh_process() -> None:
    script = (
        "from sqlalchemy import create_engine\n"
        "from gridgov.registry import events, own_data\n"
        "from gridgov.territory import retire_guards\n"
        "from gridgov.access import providers\n"
        "def contact():\n"
        "    try:\n"
        "        return [providers.household_scope(providers.CONTACT)]\n"
        "    except LookupError:\n"
        "        return []\n"
        "def hooks():\n"
        "    h = retire_guards.retire_guards(), events.subscribers('death'), own_data.sections()\n"
        "    return [len(each) for each in (*h, contact())]\n"
        "before = hooks()\n"
        "from gridgov.database.sessions import session_factory\n"
        "session_factory(create_engine('sqlite://'))\n"
        "print(before, hooks(), own_data.sections())\n"
    )
    environment = {**os.environ, "PYTHONPATH": SOURCE}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True
    )
    # death: posts end, groups follow, a party member's membership ends, the household is due
    # a visit; sections: posts and the member's group messages
    assert done.stdout.split("\n")[0] == "[0, 0, 0, 0] [1, 4, 2, 1] ('posts', 'group_messages')"
