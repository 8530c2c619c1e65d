"""The SMS bridge against a fake provider that checks each request's signature, and the
e-mail digests through a fake SMTP server with a fast-forwarded clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.deployment import install
from gridgov.jobs.bridges import deliver_bridges_step, digest_step
from gridgov.notify.bridges import enqueue_sms
from gridgov.notify.bridges.preferences import check_set_delivery_preferences
from gridgov.notify.delivery import do_deliver_to_inbox
from gridgov.notify.models import OutboxMessage
from gridgov.notify.outbox import enqueue
from gridgov.settings import Settings
from tests.conftest import TEST_NOW
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree
from tests.notify.bridges.fakes import http_server, sms_checker, smtp_server

KEY_ID, SECRET = "gridgov-test", "s3cret-sms-signing-key"


def _use(**settings: object) -> None:
    install(Settings(environment="test", **settings))  # type: ignore[arg-type]


def _resident_user(session: Session):
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    resident = make_resident(session, household=household)
    return make_user(session, resident_id=resident.id), resident


def test_sms_is_signed_and_carries_template_and_parameters(session: Session) -> None:
    user, resident = _resident_user(session)
    with http_server(sms_checker(KEY_ID, SECRET)) as provider:
        _use(
            sms_url=f"{provider.url}/v1/sms/send",
            sms_key_id=KEY_ID,
            sms_secret=SECRET,
            sms_sign_name="宫下村委会",
            sms_templates="urgent_notice:SMS_0001, reminder:SMS_0002",
        )
        (row,) = enqueue_sms(
            session,
            user_ids=[user.id],
            template_kind="urgent_notice",
            params={"title": "台风橙色预警", "village": "宫下村"},
        )
        assert deliver_bridges_step(session) == 1

    (got,) = provider.received
    assert got.path == "/v1/sms/send"
    assert got.json() == {
        "phone": resident.phone,
        "sign_name": "宫下村委会",
        "template_id": "SMS_0001",
        "params": {"title": "台风橙色预警", "village": "宫下村"},
    }
    assert row.delivered_at is not None and row.attempts == 0


def test_a_wrong_secret_is_refused_by_the_provider_and_retried(session: Session) -> None:
    user, _resident = _resident_user(session)
    with http_server(sms_checker(KEY_ID, SECRET)) as provider:
        _use(
            sms_url=f"{provider.url}/send",
            sms_key_id=KEY_ID,
            sms_secret="not-the-secret",
            sms_templates="urgent_notice:SMS_0001",
        )
        (row,) = enqueue_sms(session, user_ids=[user.id], template_kind="urgent_notice", params={})
        deliver_bridges_step(session)
    assert len(provider.received) == 1
    assert row.delivered_at is None and row.attempts == 1
    assert "bad signature" in row.last_error
    assert row.next_attempt_at == clock.now() + dt.timedelta(seconds=30)


def test_a_kind_without_a_template_fails_naming_the_setting(session: Session) -> None:
    user, _resident = _resident_user(session)
    with http_server(sms_checker(KEY_ID, SECRET)) as provider:
        _use(sms_url=provider.url, sms_key_id=KEY_ID, sms_secret=SECRET, sms_templates="")
        (row,) = enqueue_sms(session, user_ids=[user.id], template_kind="drill", params={})
        deliver_bridges_step(session)
    assert provider.received == []
    assert "GRIDGOV_SMS_TEMPLATES" in row.last_error


def test_without_sms_settings_rows_wait_as_failures_not_lost(session: Session) -> None:
    user, _resident = _resident_user(session)
    (row,) = enqueue_sms(session, user_ids=[user.id], template_kind="urgent_notice", params={})
    deliver_bridges_step(session)
    assert row.delivered_at is None and "not configured" in row.last_error


def _notify(session: Session, user_id: str, title: str) -> None:
    message = enqueue(session, "case_updated", [user_id], {"title": title, "body": "详情见平台"})
    assert message is not None
    session.flush()
    do_deliver_to_inbox(session, message, now=clock.now())


def test_a_daily_digest_gathers_the_days_notifications(session: Session) -> None:
    user = make_user(session)
    with smtp_server() as smtp:
        _use(
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_starttls=False,
            smtp_from="gridgov@village.example",
        )
        # Monday 30 Nov 2026, 09:00 in Shanghai: the first digest is due Tuesday 07:00.
        check_set_delivery_preferences(
            session, user, email="wei@example.org", digest_rhythm="daily", actor="test"
        )
        assert user.digest_due_at == dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)
        with clock.frozen(TEST_NOW + dt.timedelta(hours=3)):
            _notify(session, user.id, "反映的问题 #12 已办结")
            _notify(session, user.id, "Case escalated: #13")
            assert digest_step(session) == 0  # not due yet
        with clock.frozen(dt.datetime(2026, 11, 30, 23, 0, 1, tzinfo=dt.UTC)):
            assert digest_step(session) == 1
            assert deliver_bridges_step(session) == 1
        with clock.frozen(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)):
            _notify(session, user.id, "第二天的通知")
        with clock.frozen(dt.datetime(2026, 12, 1, 23, 0, 1, tzinfo=dt.UTC)):
            assert digest_step(session) == 1
            deliver_bridges_step(session)
        with clock.frozen(dt.datetime(2026, 12, 2, 23, 0, 1, tzinfo=dt.UTC)):
            assert digest_step(session) == 1  # a day with nothing new: no mail
            assert deliver_bridges_step(session) == 0

    assert [to for _from, to, _mail in smtp.messages] == [["wei@example.org"]] * 2
    first, second = (mail for _from, _to, mail in smtp.messages)
    assert first["Subject"] == "gridgov：2 条新通知"  # the user's language: zh-CN
    body = first.get_content()
    assert "反映的问题 #12 已办结" in body and "Case escalated: #13" in body
    assert "第二天的通知" not in body
    assert "第二天的通知" in second.get_content() and "#12" not in second.get_content()
    assert user.digest_due_at == dt.datetime(2026, 12, 3, 23, 0, tzinfo=dt.UTC)


def test_a_weekly_digest_comes_on_monday_morning(session: Session) -> None:
    user = make_user(session)
    check_set_delivery_preferences(
        session, user, email="wei@example.org", digest_rhythm="weekly", actor="test"
    )
    # Monday 09:00 local: this Monday's 07:00 has passed, so next Monday 07:00 (23:00 UTC Sun).
    assert user.digest_due_at == dt.datetime(2026, 12, 6, 23, 0, tzinfo=dt.UTC)
    check_set_delivery_preferences(session, user, digest_rhythm="off", actor="test")
    assert user.digest_due_at is None


def test_a_refusing_smtp_server_means_retries_then_a_dead_letter(session: Session) -> None:
    user = make_user(session)
    with smtp_server() as smtp:
        smtp.refuse = True
        _use(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False)
        check_set_delivery_preferences(
            session, user, email="wei@example.org", digest_rhythm="daily", actor="test"
        )
        with clock.frozen(TEST_NOW + dt.timedelta(hours=1)):
            _notify(session, user.id, "通知")
        at = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)
        with clock.frozen(at):
            digest_step(session)
        for _ in range(5):
            with clock.frozen(at):
                deliver_bridges_step(session)
            at += dt.timedelta(hours=2)
    (row,) = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
    assert row.dead_at is not None and row.attempts == 5 and "451" in row.last_error
    assert smtp.messages == []
