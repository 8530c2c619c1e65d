"""Case photos: JPEG, PNG or WebP only (decided by opening the bytes with Pillow, never by
the name or the declared type), at most ``max_photo_bytes``, stored under
``data_dir/photos/<case id>/<photo id>.<ext>`` with their SHA-256.

The file is written before the row; a rolled-back request leaves an orphan file behind
(harmless: no row names it), never a row without its file.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from gridgov.cases.models import PHOTO_KINDS, Case, CasePhoto
from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.ids import new_id

# Pillow's format name -> (content type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PHOTOS_PER_CASE = 20
MAX_PIXELS = 50_000_000  # a decompression bomb is refused, not opened


_UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


class PhotoTooLarge(ValidationFailed):
    """413: the file is over the photo size limit."""

    code = "photo_too_large"
    status = 413


def image_format(data: bytes) -> tuple[str, str]:
    """(content type, extension) of a JPEG, PNG or WebP image; 422 naming ``file`` for
    anything else (a renamed text file, a GIF, a truncated image)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationFailed.field("file", Message("the image has too many pixels"))
                image.verify()
    except _UNREADABLE as exc:
        raise ValidationFailed.field(
            "file", Message("not a readable JPEG, PNG or WebP image")
        ) from exc
    if kind not in FORMATS:
        raise ValidationFailed.field(
            "file", Message("%(kind)s images are not accepted: JPEG, PNG or WebP", kind=kind)
        )
    return FORMATS[kind]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def _remove_on_rollback(session: Session, path: Path) -> None:
    """The file is written before the transaction commits: if the transaction rolls back,
    no row names it, so it goes too."""

    def remove(_session: Session) -> None:
        path.unlink(missing_ok=True)

    def keep(_session: Session) -> None:
        if event.contains(session, "after_rollback", remove):
            event.remove(session, "after_rollback", remove)

    event.listen(session, "after_rollback", remove, once=True)
    event.listen(session, "after_commit", keep, once=True)


@dataclass(frozen=True)
class StoredImage:
    id: str
    path: str  # relative to the data directory
    content_type: str
    size_bytes: int
    sha256: str


def store_image(
    session: Session, data: bytes, *, data_dir: Path, folder: Path, max_bytes: int
) -> StoredImage:
    """Check an uploaded image (size, then type by its bytes) and write it under
    ``data_dir/folder``, removed again if the transaction rolls back. Case photos and
    group images alike."""
    if len(data) > max_bytes:
        raise PhotoTooLarge(
            f"file: over the limit of {max_bytes} bytes",
            fields={"file": Message("at most %(max_bytes)s bytes", max_bytes=max_bytes)},
        )
    if not data:
        raise ValidationFailed.field("file", Message("the file is empty"))
    content_type, extension = image_format(data)
    image_id = new_id()
    relative = folder / f"{image_id}.{extension}"
    _write(data_dir / relative, data)
    _remove_on_rollback(session, data_dir / relative)
    return StoredImage(
        id=image_id,
        path=relative.as_posix(),
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def check_add_photo(
    session: Session,
    case: Case,
    *,
    data: bytes,
    kind: str,
    data_dir: Path,
    max_bytes: int,
    actor: str,
) -> CasePhoto:
    """Check and store one photo of ``case`` (``kind``: report, or after: the handler's
    proof of the resolution)."""
    if kind not in PHOTO_KINDS:
        raise ValidationFailed.field(
            "kind", Message("one of %(PHOTO_KINDS)s", PHOTO_KINDS=", ".join(PHOTO_KINDS))
        )
    count = session.scalar(select(func.count()).where(CasePhoto.case_id == case.id)) or 0
    if count >= MAX_PHOTOS_PER_CASE:
        raise ValidationFailed.field(
            "file",
            Message(
                "a case has at most %(MAX_PHOTOS_PER_CASE)s photos",
                MAX_PHOTOS_PER_CASE=MAX_PHOTOS_PER_CASE,
            ),
        )
    stored = store_image(
        session, data, data_dir=data_dir, folder=Path("photos") / case.id, max_bytes=max_bytes
    )
    photo = CasePhoto(
        id=stored.id,
        case_id=case.id,
        kind=kind,
        path=stored.path,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_by=actor,
    )
    session.add(photo)
    session.flush()
    return photo


def photo_file(
    session: Session, case: Case, photo_id: str, *, data_dir: Path
) -> tuple[CasePhoto, Path]:
    """The photo row of this case and its file (NotFound for another case's photo)."""
    photo = session.scalar(
        select(CasePhoto).where(CasePhoto.id == photo_id, CasePhoto.case_id == case.id)
    )
    if photo is None:
        raise NotFound(
            Message("case %(id)s has no photo %(photo_id)s", id=case.id, photo_id=photo_id)
        )
    path = data_dir / photo.path
    if not path.is_file():
        raise NotFound(
            Message(
                "the file of photo %(photo_id)s is missing from the data directory",
                photo_id=photo_id,
            )
        )
    return photo, path
