"""Printable contact cards: one A6 page per household, in Chinese, as a PDF (reportlab).

The card handed to a household (联系卡) says who its party member is and how to reach them,
who its unit and grid leaders are, and how to join the village's group. Input is plain data
(``ContactCard``, one per household, in the order to print); the answer is the PDF's bytes, so
the same function serves the CLI (``gridgov contacts cards --out``) and the API
(``GET /api/v1/contacts/cards.pdf``). One PDF per grid: the caller passes that grid's cards.

What is printed is what the card holds: the caller masks (``gridgov.privacy``) whatever the
card's reader should not see in full, e.g. the head of household's name; the phones of the
party member and the leaders are printed in full, since calling them is the card's purpose.

Fonts. A card must print the same on any machine, so its Chinese font is embedded, as a
subset (only the glyphs used: a card PDF stays near 40 KB instead of the font's 16 MB).
reportlab embeds TrueType outlines only (``glyf`` tables); Noto Sans/Serif CJK, the usual
Debian CJK fonts (fonts-noto-cjk), are OpenType with CFF outlines, which reportlab cannot
embed. So the font comes from a Debian package with TrueType outlines, found by file name
under the usual font folders: WenQuanYi Zen Hei (fonts-wqy-zenhei, a TrueType collection:
``subfontIndex`` 0) first, then WenQuanYi Micro Hei (fonts-wqy-microhei), then AR PL UMing
(fonts-arphic-uming). Without any of them ``CardFontMissing`` names the package to install.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gridgov.errors import GridgovError
from gridgov.i18n import N_, gettext, translate

FONT_NAME = "GridgovCardFont"
FONT_PACKAGE = "fonts-wqy-zenhei"
# (file name, subfont index in a collection, Debian package), best first
FONT_CANDIDATES = (
    ("wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    ("wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
    ("uming.ttc", 0, "fonts-arphic-uming"),
)
FONT_FOLDERS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)
QR_SIDE = 24 * mm


class CardFontMissing(GridgovError):
    """No Chinese TrueType font to embed: the message names the package to install."""


@dataclass(frozen=True)
class Person:
    """Someone printed on a card, with the phone to call them on (None: none known)."""

    name: str
    phone: str | None = None


@dataclass(frozen=True)
class ContactCard:
    """One household's card, as it should print (masked by the caller where needed)."""

    household_number: str  # the household's number in the registry
    address: str
    territory: str  # village, grid and unit as the household knows them
    member: Person | None  # None: no member yet (the card says so)
    unit_leader: Person | None
    grid_leader: Person | None
    group_name: str | None  # the village's group
    group_join: str | None  # how to join it, in words
    group_join_url: str | None  # printed as a QR code when given
    issued: date
    head: str | None = None  # the head of household, masked as appropriate


@dataclass(frozen=True)
class CardFont:
    path: Path
    subfont_index: int
    package: str


@functools.cache
def find_card_font(folders: tuple[Path, ...] = FONT_FOLDERS) -> CardFont:
    """The first font of ``FONT_CANDIDATES`` found under ``folders`` (raises when none)."""
    for file_name, index, package in FONT_CANDIDATES:
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob(file_name)):
                if path.is_file():
                    return CardFont(path, index, package)
    names = ", ".join(name for name, _, _ in FONT_CANDIDATES)
    raise CardFontMissing(
        f"no Chinese TrueType font for the contact cards ({names}) under "
        f"{', '.join(str(folder) for folder in folders)}: install the Debian package "
        f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE})"
    )


@functools.cache
def _register(font: CardFont) -> str:
    """Register ``font`` with reportlab once per process; its name for styles."""
    name = f"{FONT_NAME}-{font.path.stem}-{font.subfont_index}"
    pdfmetrics.registerFont(TTFont(name, str(font.path), subfontIndex=font.subfont_index))
    return name


def render_cards(
    cards: Sequence[ContactCard],
    *,
    title: str,
    language: str = "zh-CN",
    font: CardFont | None = None,
) -> bytes:
    """A PDF of ``cards``, one A6 page each, titled ``title`` (e.g. the grid's name)."""
    font_name = _register(font or find_card_font())
    styles = _styles(font_name)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A6,
        leftMargin=7 * mm,
        rightMargin=7 * mm,
        topMargin=7 * mm,
        bottomMargin=7 * mm,
        title=title,
        lang=language,
        invariant=True,  # the same cards give the same bytes (no creation time, fixed id)
        initialFontName=font_name,
    )
    story: list[Flowable] = []
    for index, card in enumerate(cards):
        if index:
            story.append(PageBreak())
        story += _card(card, styles, language)
    if not story:
        story.append(Paragraph(escape(gettext(language, N_("No households"))), styles["body"]))
    document.build(story)
    return buffer.getvalue()


def _styles(font_name: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font_name, fontSize=8.5, leading=11, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9, textColor=colors.grey),
        "title": ParagraphStyle("title", parent=base, fontSize=14, leading=18, alignment=1),
        "label": ParagraphStyle("label", parent=base, fontSize=7.5, textColor=colors.grey),
        "member": ParagraphStyle("member", parent=base, fontSize=15, leading=19),
        "phone": ParagraphStyle("phone", parent=base, fontSize=13, leading=16),
    }


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


def _card(card: ContactCard, styles: dict[str, ParagraphStyle], language: str) -> list[Flowable]:
    """The flowables of one card, top to bottom."""
    say = functools.partial(gettext, language)
    story: list[Flowable] = [
        Paragraph(_text(say(N_("Party member contact card"))), styles["title"]),
        Paragraph(_text(card.territory), styles["small"]),
        Spacer(1, 2 * mm),
        _household_table(card, styles, language),
        Spacer(1, 3 * mm),
        Paragraph(_text(say(N_("Your party member"))), styles["label"]),
    ]
    if card.member is None:
        story.append(Paragraph(_text(say(N_("To be assigned"))), styles["member"]))
    else:
        story.append(Paragraph(_text(card.member.name), styles["member"]))
        story.append(Paragraph(_text(card.member.phone or say(N_("No phone"))), styles["phone"]))
    story += [Spacer(1, 2 * mm), _leaders_table(card, styles, language), Spacer(1, 2 * mm)]
    story += _group(card, styles, language)
    issued = translate(language, N_("Issued on %(date)s"), date=card.issued.isoformat())
    story += [Spacer(1, 2 * mm), Paragraph(_text(issued), styles["small"])]
    return story


def _household_table(card: ContactCard, styles: dict[str, ParagraphStyle], language: str) -> Table:
    say = functools.partial(gettext, language)
    rows = [
        (say(N_("Household number")), card.household_number),
        (say(N_("Address")), card.address),
    ]
    if card.head:
        rows.append((say(N_("Head of household")), card.head))
    return _two_columns(rows, styles)


def _leaders_table(card: ContactCard, styles: dict[str, ParagraphStyle], language: str) -> Table:
    say = functools.partial(gettext, language)
    rows = []
    for label, person in (
        (N_("Unit leader"), card.unit_leader),
        (N_("Grid leader"), card.grid_leader),
    ):
        if person is None:
            rows.append((say(label), say(N_("None yet"))))
        else:
            rows.append((say(label), f"{person.name}  {person.phone or ''}".strip()))
    return _two_columns(rows, styles)


def _two_columns(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    cells = [
        [Paragraph(_text(label), styles["label"]), Paragraph(_text(value), styles["body"])]
        for label, value in rows
    ]
    table = Table(cells, colWidths=[20 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles["body"].fontName),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _group(card: ContactCard, styles: dict[str, ParagraphStyle], language: str) -> list[Flowable]:
    """The village group: its name and how to join, with a QR code of the link when given."""
    if not card.group_name:
        return []
    say = functools.partial(gettext, language)
    words = [
        Paragraph(_text(say(N_("Village group"))), styles["label"]),
        Paragraph(_text(card.group_name), styles["body"]),
    ]
    if card.group_join:
        words.append(Paragraph(_text(card.group_join), styles["small"]))
    if not card.group_join_url:
        return words
    table = Table(
        [[words, QrCode(card.group_join_url, width=QR_SIDE, height=QR_SIDE, qrLevel="M")]],
        colWidths=[None, QR_SIDE + 2 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles["body"].fontName),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return [table]
