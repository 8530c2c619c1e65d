"""The case reporter's contact phone and e-mail, encrypted at rest like a resident's fields:
`gridgov keys rotate` re-encrypts them too (so the old key can leave the ring), and a value
no key decrypts shows as undecryptable in lists, details and the register workbook, never
as a masked value and never as a 500."""

from __future__ import annotations

import io
import logging

from openpyxl import load_workbook
from sqlalchemy import text, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from typer.testing import CliRunner

from gridgov import crypto
from gridgov.cases.models import Case
from gridgov.cli.main import app as cli
from gridgov.database.key_rotation import do_reencrypt_encrypted_columns
from gridgov.database.keys import encrypted_columns
from gridgov.registry.models import Household
from gridgov.settings import Settings
from tests.factories.cases import make_case
from tests.factories.registry import make_household
from tests.factories.territory import make_tree

RAW = text("SELECT reporter_contact, reporter_email FROM cases WHERE id = :id")
PHONE, EMAIL = "13800138000", "wei.lin@example.org"
FOREIGN = "keyb:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="


def _reported(session: Session) -> tuple[Case, Household, str]:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    case = make_case(session, household=household, reporter_contact=PHONE, reporter_email=EMAIL)
    return case, household, tree.villages[0].code


def test_every_encrypted_column_is_found_by_its_type() -> None:
    columns = set(encrypted_columns())
    assert {("cases", "reporter_contact"), ("cases", "reporter_email")} <= columns
    assert {("residents", "id_number"), ("residents", "phone")} <= columns


def test_rotation_reencrypts_the_reporters_contact(session: Session) -> None:
    case, _household, _village = _reported(session)
    old = crypto.key_ring()
    settings = Settings(
        encryption_keys=f"{crypto.new_encryption_key()},{Settings().encryption_keys}"
    )
    rotated = crypto.key_ring_for(settings)
    rotation = do_reencrypt_encrypted_columns(session, ring=rotated)
    assert rotation.by_column["cases.reporter_contact"] >= 1
    assert rotation.by_column["cases.reporter_email"] >= 1
    stored = session.execute(RAW, {"id": case.id}).one()
    for value, plain in zip(stored, (PHONE, EMAIL), strict=True):
        assert value.startswith(f"{crypto.PREFIX}:{rotated.current_id}:")
        assert rotated.decrypt(value) == plain
    # Nothing is left under the old key anywhere: it may leave the ring.
    for table_name, column_name in encrypted_columns():
        under_old = session.execute(
            text(f"SELECT count(*) FROM {table_name} WHERE {column_name} LIKE :old"),
            {"old": f"{crypto.PREFIX}:{old.current_id}:%"},
        ).scalar_one()
        assert under_old == 0, (table_name, column_name)
    assert do_reencrypt_encrypted_columns(session, ring=rotated).total == 0


def test_keys_rotate_names_the_case_columns(session: Session, cli_bound: None, monkeypatch) -> None:
    case, _household, _village = _reported(session)
    session.commit()
    new_key = crypto.new_encryption_key()
    monkeypatch.setenv("GRIDGOV_ENCRYPTION_KEYS", f"{new_key},{Settings().encryption_keys}")
    result = CliRunner().invoke(cli, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 in cases.reporter_contact, 1 in cases.reporter_email" in result.output
    new_id = new_key.partition(":")[0]
    for value in session.execute(RAW, {"id": case.id}).one():
        assert value.startswith(f"{crypto.PREFIX}:{new_id}:")


def _spoil_contact(session: Session, case: Case) -> None:
    """The reporter's phone and e-mail as a server on other keys would have written them."""
    foreign = crypto.key_ring_for(Settings(encryption_keys=FOREIGN))
    session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(reporter_contact=text(":phone"), reporter_email=text(":email"))
        .execution_options(synchronize_session=False),
        {"phone": foreign.encrypt(PHONE), "email": foreign.encrypt(EMAIL)},
    )
    session.commit()
    session.expire_all()


def test_an_undecryptable_contact_shows_as_such_everywhere(
    as_administrator: TestClient, session: Session, caplog
) -> None:
    case, household, village = _reported(session)
    good = make_case(
        session, household=household, reporter_contact="13900139000", description="另一件事"
    )
    _spoil_contact(session, case)
    with caplog.at_level(logging.ERROR, logger="gridgov.crypto"):
        listed = as_administrator.get("/api/v1/cases", params={"territory": village})
        detail = as_administrator.get(f"/api/v1/cases/{case.id}")
        revealed = as_administrator.get(
            f"/api/v1/cases/{case.id}", params={"reveal": "true", "reason": "calling back"}
        )
        workbook = as_administrator.get("/api/v1/exports/cases.xlsx", params={"territory": village})
    assert listed.status_code == detail.status_code == revealed.status_code == 200
    assert workbook.status_code == 200
    items = {item["id"]: item for item in listed.json()["items"]}
    for shown in (items[case.id], detail.json(), revealed.json()):
        assert shown["reporter_contact"] == crypto.UNDECRYPTABLE
        assert shown["reporter_email"] == crypto.UNDECRYPTABLE
    assert items[good.id]["reporter_contact"] == "139****9000"  # the others still masked
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    cells = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert cells.count(crypto.UNDECRYPTABLE) == 2
    assert "cannot be decrypted (key id keyb)" in caplog.text
