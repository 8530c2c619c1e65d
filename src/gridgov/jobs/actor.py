"""Who the jobs act as: one named system actor, on the timeline and in the audit log."""

from __future__ import annotations

from typing import Final

JOB_ACTOR: Final = "system:worker"
