"""What a process takes from its one Settings, installed once by the adapter that built them
(``create_app``, the ``gridgov`` command, a worker given its settings): the timezone of
local dates (:mod:`gridgov.clock`), the key ring of personal fields (:mod:`gridgov.crypto`,
built at its first use) and the working hours of case deadlines
(:mod:`gridgov.cases.calendar`), how long realtime events are kept
(:mod:`gridgov.notify.realtime.log`) and the outbound bridges (:mod:`gridgov.notify.bridges`:
SMTP, the SMS provider, WeCom's base URL). Everything else in the Settings is passed down as values.
"""

from __future__ import annotations

from gridgov import clock, crypto
from gridgov.cases.calendar import use_working_hours
from gridgov.notify.bridges.registry import use_bridges
from gridgov.notify.realtime.log import use_retention
from gridgov.settings import Settings


def install(settings: Settings) -> None:
    clock.configure(timezone=settings.timezone)
    use_working_hours(settings.working_hours)
    crypto.use_key_ring(lambda: crypto.key_ring_for(settings))
    use_retention(settings.events_retention_days)
    use_bridges(settings)
