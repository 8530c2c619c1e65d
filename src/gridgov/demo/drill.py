"""A typhoon drill on the demo island with simulated confirmations (``gridgov demo --drill``).

Simulated time: the drill starts ``span_minutes`` before now and each simulated
confirmation is received at the instant its confirmer saw it, spread over the span, so the
counts, the report's times and the escalation (run at now) look like a real morning. The
confirmers are the people the platform would have: the household's unit leader where the
unit has one with an account, else its grid leader, else a leader (the CLI); a share of
households confirm themselves when a member has an account. A few ask for help (a drill
opens no case: it stays on the lists). Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.cases.recipients import handlers_of_nodes
from gridgov.emergency.confirm import check_confirm
from gridgov.emergency.escalation import run_rollcall_escalation_step
from gridgov.emergency.models import RollCall, RollCallHousehold
from gridgov.emergency.start import check_start_roll_call
from gridgov.registry.models import Resident
from gridgov.territory.codes import CODE_LENGTH

STATUS_WEIGHTS = (
    ("safe_at_home", 60),
    ("moved_relatives", 15),
    ("moved_shelter", 0),  # only with a shelter: the island has none unless one was added
    ("away", 20),
    ("moved_off_island", 4),
    ("needs_help", 1),
)


@dataclass
class DrillSummary:
    roll_call: RollCall
    confirmed: int = 0
    escalated: int = 0
    by_confirmer: Counter[str] = field(default_factory=Counter)


def _leaders(session: Session, codes: list[str]) -> dict[str, Principal | None]:
    """The principal confirming for each unit: a unit leader, else the grid leader."""
    units = handlers_of_nodes(session, codes, "unit")
    grids = handlers_of_nodes(session, sorted({c[: CODE_LENGTH["grid"]] for c in codes}), "grid")
    cache: dict[str, Principal] = {}
    out: dict[str, Principal | None] = {}
    for code in codes:
        users = units.get(code) or grids.get(code[: CODE_LENGTH["grid"]]) or []
        if not users:
            out[code] = None
            continue
        if users[0] not in cache:
            user = session.get(User, users[0])
            assert user is not None  # handlers_of_nodes answers existing users
            cache[users[0]] = principal_for(session, user)
        out[code] = cache[users[0]]
    return out


def _self_confirmers(session: Session, household_ids: list[str]) -> dict[str, User]:
    rows = session.execute(
        select(Resident.household_id, User)
        .join(User, User.resident_id == Resident.id)
        .where(Resident.household_id.in_(household_ids), User.is_active.is_(True))
    ).all()
    return {str(row[0]): row[1] for row in rows}


def run_drill(
    session: Session,
    *,
    territory_code: str,
    seed: int = 7,
    share: float = 0.85,
    span_minutes: int = 120,
    actor: str,
) -> DrillSummary:
    """Start a typhoon drill over ``territory_code`` and confirm ``share`` of its households."""
    rng = random.Random(seed)
    now = clock.now()
    started = now - dt.timedelta(minutes=span_minutes)
    with clock.frozen(started):
        roll_call = check_start_roll_call(
            session,
            territory_code=territory_code,
            kind="typhoon",
            title="防台演练",
            message="演练：请各单元长逐户确认",
            evacuation=True,
            drill=True,
            principal=None,
            actor=actor,
        )
    rows = list(
        session.execute(
            select(RollCallHousehold.household_id, RollCallHousehold.territory_code).where(
                RollCallHousehold.roll_call_id == roll_call.id
            )
        ).all()
    )
    chosen = sorted(rng.sample(rows, int(len(rows) * share)))
    leaders = _leaders(session, sorted({code for _, code in chosen}))
    selves = _self_confirmers(session, [household_id for household_id, _ in chosen])
    summary = DrillSummary(roll_call)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    offsets = sorted(rng.uniform(1, span_minutes - 1) for _ in chosen)
    order = list(chosen)
    rng.shuffle(order)
    for (household_id, code), offset in zip(order, offsets, strict=True):
        status = rng.choices(statuses, weights=weights)[0]
        own = selves.get(household_id)
        principal = (
            principal_for(session, own) if own is not None and rng.random() < 0.3 else leaders[code]
        )
        with clock.frozen(started + dt.timedelta(minutes=offset)):
            done = check_confirm(
                session,
                roll_call,
                household_id=household_id,
                status=status,
                method=rng.choice(("in_person", "phone", "message")),
                help_needed="演练：老人行动不便" if status == "needs_help" else None,
                principal=principal,
                actor=principal.actor if principal else actor,
                channel="cli",
            )
        summary.confirmed += 1
        summary.by_confirmer[done.confirmation.confirmer] += 1
    summary.escalated = run_rollcall_escalation_step(session, now=now, batch=len(rows) + 1)
    return summary
