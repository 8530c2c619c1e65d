"""Reading division plans, always within the caller's territory."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.partition.models import PartitionPlan
from gridgov.territory.codes import ancestors
from gridgov.territory.scope import within


def get_plan(session: Session, plan_id: str) -> PartitionPlan:
    """A plan by id, without a permission check (the CLI acts as the operator)."""
    plan = session.get(PartitionPlan, plan_id)
    if plan is None:
        raise NotFound(Message("no partition plan has id %(plan_id)s", plan_id=plan_id))
    return plan


def access_plan(
    session: Session, plan_id: str, principal: Principal, action: str = "read"
) -> PartitionPlan:
    """The plan if the principal may do ``action`` on its scope, else the NotFound a
    missing plan gives (the scope condition is in the same SQL)."""
    require(principal, action, "partition_plan")
    plan = session.scalar(
        select(PartitionPlan).where(
            PartitionPlan.id == plan_id,
            scope_filter(principal, action, "partition_plan", PartitionPlan.scope_code),
        )
    )
    if plan is None:
        raise NotFound(Message("no partition plan has id %(plan_id)s", plan_id=plan_id))
    return plan


def list_plans(
    session: Session,
    *,
    territory: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    principal: Principal | None = None,
) -> tuple[list[PartitionPlan], int]:
    """Newest first. ``territory``: plans of that node, under it, or covering it (a town's
    plan covers its villages)."""
    conditions = []
    if territory is not None:
        reach_territory(session, principal, "read", "partition_plan", territory)
        conditions.append(
            or_(
                within(PartitionPlan.scope_code, territory),
                PartitionPlan.scope_code.in_(ancestors(territory)),
            )
        )
    if status is not None:
        conditions.append(PartitionPlan.status == status)
    if principal is not None:
        conditions.append(
            scope_filter(principal, "read", "partition_plan", PartitionPlan.scope_code)
        )
    total = session.scalar(select(func.count()).select_from(PartitionPlan).where(*conditions))
    plans = session.scalars(
        select(PartitionPlan)
        .where(*conditions)
        .order_by(PartitionPlan.created_at.desc(), PartitionPlan.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(plans), int(total or 0)
