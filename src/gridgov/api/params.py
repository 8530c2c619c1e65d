"""Query parameters several routers share, written once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from gridgov.accounts.reveal import MAX_REASON

# A list's territory filter: ``territory=CODE`` means that node and everything under it.
TerritoryFilter = Annotated[
    str | None, Query(description="A territory code: that node and everything under it.")
]
# Why personal fields are shown in full (accounts.reveal.clean_reason; audited).
ReasonQuery = Annotated[
    str | None, Query(max_length=MAX_REASON, description="why the full values are needed")
]
