"""`gridgov cases ...`: report, list and show cases; the case categories."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from gridgov import clock
from gridgov.cases.categories import list_categories, seed_categories
from gridgov.cases.duplicates import possible_duplicates
from gridgov.cases.models import Case
from gridgov.cases.queries import case_photos, case_timeline, list_cases
from gridgov.cases.schemas import CaseDetail, CaseOut, CategoryOut
from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.errors import NotFound
from gridgov.i18n import Message

app = new_typer("Cases: report one, list them, show one with its timeline; the categories.")


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False))


@app.command()
def report(
    category: str = typer.Option(..., help="A category code (see `gridgov cases categories`)."),
    description: str = typer.Option(..., help="What the problem is."),
    household: str = typer.Option(None, help="The household's id (locates the case)."),
    lon: float = typer.Option(None, help="Longitude of the place (WGS84)."),
    lat: float = typer.Option(None, help="Latitude of the place (WGS84)."),
    title: str = typer.Option("", help="A short title (default: the description's start)."),
    address: str = typer.Option(""),
    reporter_name: str = typer.Option("", help="Who reported it (a visit, a phone call)."),
    reporter_contact: str = typer.Option(None, help="Their mobile number."),
    idempotency_key: str = typer.Option(
        None, help="Run again with the same key: the same case, never a second one."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Report a case (channel cli), located by --household or by --lon/--lat."""
    # Intake locates points with shapely (and numpy): imported by this command only.
    from gridgov.cases.intake import check_report_case

    with transaction() as session:
        case, created = check_report_case(
            session,
            category_code=category,
            description=description,
            channel="cli",
            actor=cli_actor(),
            reporter_name=reporter_name,
            reporter_contact=reporter_contact,
            lon=lon,
            lat=lat,
            household_id=household,
            address=address,
            title=title,
            idempotency_owner="cli" if idempotency_key else None,
            idempotency_key=idempotency_key,
        )
        duplicates = possible_duplicates(session, case, case.category_code, clock.now())
        out = CaseOut.of(case, duplicates=duplicates)
    if as_json:
        _echo_json(out.model_dump(mode="json"))
        return
    verb = "reported" if created else "already reported (same idempotency key)"
    console.print(
        f"case {out.id} {verb}: {out.level} level at {out.handler_code}, due {out.due_at}",
        markup=False,
    )
    for duplicate in out.possible_duplicates or ():
        console.print(
            f"  possible duplicate: {duplicate.id}"
            f" ({duplicate.distance_m:.0f} m, {duplicate.state})",
            markup=False,
        )


@app.command("list")
def list_command(
    territory: str = typer.Option(None, help="Only cases located on this node and below."),
    state: str = typer.Option(None, help="reported, accepted, in_progress, resolved, ..."),
    level: str = typer.Option(None, help="unit, grid, village, town, district"),
    category: str = typer.Option(None, help="A category code (and its children)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only open cases past due."),
    limit: int = typer.Option(200, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List cases, newest first."""
    now = clock.now()
    with transaction() as session:
        cases, total = list_cases(
            session,
            territory=territory,
            state=state,
            level=level,
            category=category,
            overdue=overdue,
            now=now,
            limit=limit,
        )
        out = [CaseOut.of(case, now=now) for case in cases]
    if as_json:
        _echo_json([case.model_dump(mode="json") for case in out])
        return
    table = Table("id", "category", "state", "level", "handler", "due", "title")
    for case in out:
        due = case.due_at.isoformat(timespec="minutes") if case.due_at else ""
        table.add_row(
            case.id,
            case.category_code,
            case.state,
            case.level,
            case.handler_code,
            due + (" overdue" if case.overdue else ""),
            case.title,
        )
    console.print(table)
    console.print(f"{len(out)} of {total}")


@app.command()
def show(case_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One case with its timeline and photos (the reporter's contact masked)."""
    with transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(Message("no case has id %(case_id)s", case_id=case_id))
        detail = CaseDetail.of_case(
            case, case_timeline(session, case.id), case_photos(session, case.id)
        )
    if as_json:
        _echo_json(detail.model_dump(mode="json"))
        return
    console.print(f"case {detail.id}: {detail.title}", markup=False)
    for name in ("category_code", "state", "level", "handler_code", "territory_code", "due_at"):
        console.print(f"  {name}: {getattr(detail, name)}", markup=False)
    console.print(f"  description: {detail.description}", markup=False)
    table = Table("seq", "at", "action", "state", "level", "actor", "note")
    for event in detail.timeline:
        table.add_row(
            str(event.seq),
            event.at.isoformat(timespec="minutes"),
            event.action,
            event.to_state,
            event.to_level,
            event.actor,
            event.note,
        )
    console.print(table)
    if detail.photos:
        console.print(f"  {len(detail.photos)} photo(s)")


@app.command()
def categories(
    include_inactive: bool = typer.Option(False, "--all", help="Also the retired ones."),
    seed: bool = typer.Option(False, "--seed", help="First add the missing seed categories."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The case categories: default level, deadlines by level, public or not."""
    with transaction() as session:
        added = seed_categories(session, actor=cli_actor()) if seed else 0
        out = [
            CategoryOut.of(c) for c in list_categories(session, include_inactive=include_inactive)
        ]
    if as_json:
        _echo_json([category.model_dump(mode="json") for category in out])
        return
    if seed:
        console.print(f"{added} seed categories added")
    table = Table("code", "name", "level", "deadlines", "public", "active")
    for category in out:
        limits = ", ".join(
            f"{level} {amount} {unit}"
            for level, limit in category.deadlines.items()
            for unit, amount in limit.items()
        )
        table.add_row(
            category.code,
            f"{category.name_zh} / {category.name_en}",
            category.default_level,
            limits,
            "yes" if category.public else "no",
            "yes" if category.active else "no",
        )
    console.print(table)
