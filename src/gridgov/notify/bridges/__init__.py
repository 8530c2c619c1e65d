"""Outbound bridges: a group's posts to its WeCom group robot, e-mail digests of what a
member was notified of, SMS of urgent notices. Each bridge is a consumer of the outbox
(gridgov.notify.models.OutboxMessage, ``channel`` names it) with retries, exponential
backoff and dead letters; see docs/bridges.md.

Other packages call :func:`enqueue_group_post` and :func:`enqueue_sms` (enqueue.py) in
their own transaction; the job step gridgov.jobs.bridges sends after commit.
"""

from gridgov.notify.bridges.enqueue import (
    enqueue_group_image,
    enqueue_group_post,
    enqueue_sms,
)

__all__ = ["enqueue_group_image", "enqueue_group_post", "enqueue_sms"]
