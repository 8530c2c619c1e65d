"""`gridgov users ...`: administrators, scoped users, password resets, token revocation."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from gridgov import clock
from gridgov.accounts import actions, queries
from gridgov.accounts.schemas import UserOut
from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.notify.realtime import ask_to_reconnect

app = new_typer("Users: who logs in, with which roles on which territory.")


@app.command("create-admin")
def create_admin(
    username: str = typer.Option(..., help="3-64 letters, digits, '_', '.', '-'."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="10+ characters."
    ),
    territory: str = typer.Option(
        None, help="Administer only this node and below (default: the whole platform)."
    ),
    force: bool = typer.Option(False, "--force", help="Add one even if an admin exists."),
) -> None:
    """Bootstrap an administrator; refused when one exists (unless --force)."""
    with transaction() as session:
        user = actions.check_create_admin(
            session,
            username=username,
            password=password,
            force=force,
            territory_code=territory,
            actor=cli_actor(),
        )
        console.print(f"administrator {user.username} created (id {user.id})")


@app.command()
def create(
    username: str = typer.Option(..., help="3-64 letters, digits, '_', '.', '-'."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="10+ characters."
    ),
    role: str = typer.Option(..., help="town_official, village_secretary, grid_leader, ..."),
    territory: str = typer.Option(..., help="The node's code the role holds on."),
    resident: str = typer.Option(None, help="Link the user to this resident's id."),
    phone: str = typer.Option(None, help="A mainland mobile number to log in with."),
    display_name: str = typer.Option("", "--name", help="Shown name (default: username)."),
) -> None:
    """Add a user with one role on one node."""
    with transaction() as session:
        actor = cli_actor()
        user = actions.check_create_user(
            session,
            username=username,
            password=password,
            display_name=display_name,
            phone=phone,
            resident_id=resident,
            actor=actor,
        )
        actions.check_assign_role(
            session,
            user_id=user.id,
            role=role,
            territory_code=territory,
            start_date=clock.today(),
            actor=actor,
        )
        console.print(f"user {user.username} created: {role} of {territory} (id {user.id})")


@app.command("revoke-tokens")
def revoke_tokens(user: str = typer.Argument(..., help="Username or id.")) -> None:
    """Revoke every live bearer token of a user (they must log in again)."""
    with transaction() as session:
        target = queries.find_user(session, user)
        revoked = actions.do_revoke_tokens(session, target, actor=cli_actor())
        console.print(f"{revoked} token(s) of {target.username} revoked")


@app.command("reset-password")
def reset_password(user: str = typer.Argument(..., help="Username or id.")) -> None:
    """Give a user a random temporary password (printed once) to change at next login."""
    with transaction() as session:
        target = queries.find_user(session, user)
        temporary = actions.do_reset_password(session, target, actor=cli_actor())
        ask_to_reconnect(session, target.id)
    console.print(f"temporary password of {target.username} (shown once): ", end="")
    typer.echo(temporary)
    console.print("they must change it at their next login; their tokens were revoked")


@app.command("list")
def list_users(
    limit: int = typer.Option(200, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List users with their current roles."""
    with transaction() as session:
        users, total = queries.list_users(session, limit=limit)
        roles = queries.roles_by_user(session, [user.id for user in users])
        out = [UserOut.of(user, roles[user.id]) for user in users]
    if as_json:
        typer.echo(json.dumps([user.model_dump(mode="json") for user in out], ensure_ascii=False))
        return
    table = Table("username", "name", "roles", "state")
    for user in out:
        held = ", ".join(f"{row.role}@{row.territory_code or '*'}" for row in user.roles)
        state = "inactive" if not user.is_active else "locked" if user.locked_until else "active"
        if user.must_change_password:
            state += ", must change password"
        table.add_row(user.username, user.display_name, held or "-", state)
    console.print(table)
    console.print(f"{len(out)} of {total}")
