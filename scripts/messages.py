"""Extract the messages to translate and update the catalogs (Babel).

    python scripts/messages.py          # extract into messages.pot, update every .po
    python scripts/messages.py --check  # fail when a catalog lacks a message or a translation

Then translate the new (empty or fuzzy) entries of src/gridgov/locale/*/LC_MESSAGES/messages.po;
the catalogs are read from the .po files at run time (nothing to compile).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "gridgov" / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def extract() -> None:
    pybabel(
        "extract",
        "--mapping-file",
        str(ROOT / "babel.cfg"),
        "--output-file",
        str(TEMPLATE),
        "--keywords",
        "N_",
        "--keywords",
        "translate:2",
        "--keywords",
        "Message",
        "--no-location",
        "--sort-output",
        "--project",
        "gridgov",
        "--msgid-bugs-address",
        "dev@gridgov.local",
        str(ROOT),
    )


def update() -> None:
    """Merge the template into every catalog (a language with none yet: ``pybabel init -l``)."""
    pybabel(
        "update",
        "--input-file",
        str(TEMPLATE),
        "--output-dir",
        str(LOCALE_DIR),
        "--domain",
        "messages",
        "--ignore-obsolete",
        "--no-wrap",
    )


def untranslated() -> list[str]:
    """``language: msgid`` of every message a catalog lacks or leaves empty or fuzzy."""
    with TEMPLATE.open("rb") as handle:
        wanted = [message.id for message in read_po(handle) if message.id]
    missing = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        language = po_path.parent.parent.name
        for msgid in wanted:
            entry = catalog.get(msgid)
            if entry is None or entry.fuzzy or not entry.string or not all(entry.string):
                missing.append(f"{language}: {msgid}")
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is missing")
    args = parser.parse_args()
    if not args.check:
        extract()
        update()
    missing = untranslated()
    for line in missing:
        print(f"untranslated {line}", file=sys.stderr)
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
