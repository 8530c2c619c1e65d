"""Choosing a language: from an ``Accept-Language`` header, or a stored preference."""

from __future__ import annotations

from gridgov.i18n.catalogs import LANGUAGES

# Chinese as written in mainland China: simplified script. A reader asking for traditional
# Chinese (zh-TW, zh-HK, zh-Hant) still reads Chinese better than English.
_PREFIXES = {"zh": "zh-CN", "en": "en"}


def normalize_language(tag: str | None) -> str | None:
    """The supported language a tag names (``zh``, ``zh-cn``, ``zh_Hans_CN``, ``en-GB``
    ...), or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return _PREFIXES.get(primary)


def _weight(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def negotiate(accept_language: str | None, *, default: str = "en") -> str:
    """The supported language the header prefers most (ties: the header's order), else
    ``default``. ``q=0`` refuses a language; ``*`` takes the default."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        tag, *parameters = item.split(";")
        weight = _weight(parameters)
        language = default if tag.strip() == "*" else normalize_language(tag)
        if language is None or weight <= 0 or language not in LANGUAGES:
            continue
        candidate = (-weight, position, language)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best is not None else default
