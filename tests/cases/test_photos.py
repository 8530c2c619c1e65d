from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from gridgov.cases.photos import PhotoTooLarge, check_add_photo, image_format, photo_file
from gridgov.database.sessions import session_factory
from gridgov.errors import NotFound, ValidationFailed
from tests.factories.cases import make_case
from tests.factories.territory import make_tree

ACTOR = "test:photos"
MAX_BYTES = 200_000


def image_bytes(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("JPEG", ("image/jpeg", "jpg")),
        ("PNG", ("image/png", "png")),
        ("WEBP", ("image/webp", "webp")),
    ],
)
def test_jpeg_png_and_webp_are_recognised_by_content(fmt, expected) -> None:
    assert image_format(image_bytes(fmt)) == expected


@pytest.mark.parametrize(
    "data",
    [
        image_bytes("GIF"),
        image_bytes("BMP"),
        b"%PDF-1.4 not an image at all",
        image_bytes("PNG")[:60],  # truncated
    ],
    ids=["gif", "bmp", "pdf", "truncated-png"],
)
def test_anything_else_is_refused_naming_file(data) -> None:
    with pytest.raises(ValidationFailed) as refused:
        image_format(data)
    assert set(refused.value.fields) == {"file"}


def test_a_photo_is_stored_with_its_hash_and_read_back(session, tmp_path) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    case = make_case(session, unit=tree.all_units()[0])
    other = make_case(session, unit=tree.all_units()[0])
    data = image_bytes("PNG")
    photo = check_add_photo(
        session, case, data=data, kind="report", data_dir=tmp_path, max_bytes=MAX_BYTES, actor=ACTOR
    )
    assert photo.path == f"photos/{case.id}/{photo.id}.png"
    assert (photo.content_type, photo.size_bytes) == ("image/png", len(data))
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    found, path = photo_file(session, case, photo.id, data_dir=tmp_path)
    assert found.id == photo.id and path.read_bytes() == data
    with pytest.raises(NotFound):
        photo_file(session, other, photo.id, data_dir=tmp_path)


def test_size_and_kind_are_checked(session, tmp_path) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    case = make_case(session, unit=tree.all_units()[0])
    big = image_bytes("PNG") + b"\0" * MAX_BYTES
    with pytest.raises(PhotoTooLarge) as refused:
        check_add_photo(
            session,
            case,
            data=big,
            kind="report",
            data_dir=tmp_path,
            max_bytes=MAX_BYTES,
            actor=ACTOR,
        )
    assert refused.value.status == 413 and set(refused.value.fields) == {"file"}
    with pytest.raises(ValidationFailed) as refused:
        check_add_photo(
            session,
            case,
            data=image_bytes("JPEG"),
            kind="before",
            data_dir=tmp_path,
            max_bytes=MAX_BYTES,
            actor=ACTOR,
        )
    assert set(refused.value.fields) == {"kind"}
    assert not (tmp_path / "photos").exists()


def test_a_photo_of_a_rolled_back_transaction_leaves_no_file(fresh_database, tmp_path) -> None:
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as session:
        tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
        case = make_case(session, unit=tree.all_units()[0])
        session.commit()
        kept = check_add_photo(
            session,
            case,
            data=image_bytes("PNG"),
            kind="report",
            data_dir=tmp_path,
            max_bytes=MAX_BYTES,
            actor=ACTOR,
        )
        session.commit()
        dropped = check_add_photo(
            session,
            case,
            data=image_bytes("PNG"),
            kind="report",
            data_dir=tmp_path,
            max_bytes=MAX_BYTES,
            actor=ACTOR,
        )
        kept_file, dropped_file = tmp_path / kept.path, tmp_path / dropped.path
        assert dropped_file.exists()
        session.rollback()
        session.rollback()  # a second rollback of the same session removes nothing more
    assert kept_file.exists()
    assert not dropped_file.exists()
