"""gridgov.i18n.Message: a text that is its English and renders in another language, kept
as JSON (a notification's texts) and read back."""

from __future__ import annotations

import pickle

from gridgov.i18n import Message, localize


def test_a_message_is_its_english_text() -> None:
    message = Message("no case has id %(case_id)s", case_id="c1")
    assert message == "no case has id c1"
    assert isinstance(message, str)
    assert f"{message}!" == "no case has id c1!"
    assert message.msgid == "no case has id %(case_id)s"


def test_it_renders_in_chinese_with_its_parameters() -> None:
    message = Message("no case has id %(case_id)s", case_id="c1")
    assert message.render("zh-CN") == "没有编号为 c1 的事件"
    assert message.render("en") == "no case has id c1"


def test_a_nested_message_is_translated_with_the_sentence() -> None:
    body = Message("from the %(level)s level (overdue)", level=Message("grid"))
    assert body == "from the grid level (overdue)"
    assert body.render("zh-CN") == "由网格一级上报（已超时）"


def test_a_persons_own_words_are_kept_as_they_are() -> None:
    body = Message("from the %(level)s level: %(note)s", level=Message("unit"), note="路灯坏了")
    assert body.render("zh-CN") == "由单元一级上报：路灯坏了"
    assert body.render("en") == "from the unit level: 路灯坏了"


def test_json_round_trip_keeps_id_parameters_and_nesting() -> None:
    message = Message("from the %(level)s level", level=Message("village"))
    stored = message.to_json()
    assert stored == {
        "id": "from the %(level)s level",
        "params": {"level": {"id": "village", "params": {}}},
    }
    back = Message.from_json(stored)
    assert back is not None and back == message and back.render("zh-CN") == "由村一级上报"


def test_unreadable_json_reads_as_none() -> None:
    assert Message.from_json(None) is None
    assert Message.from_json("Escalated to you: x") is None
    assert Message.from_json({"params": {}}) is None
    assert Message.from_json({"id": "a %(x)s", "params": {"x": [1]}}) is None
    assert Message.from_json({"id": "a %(x)s", "params": {"y": "1"}}) is None  # x missing


def test_parameters_that_are_not_text_are_kept_as_text() -> None:
    import datetime as dt

    message = Message(
        "post %(id)s already ended on %(end_date)s", id="p", end_date=dt.date(2026, 1, 2)
    )
    assert message == "post p already ended on 2026-01-02"
    assert message.to_json()["params"]["end_date"] == "2026-01-02"


def test_localize_looks_a_plain_reason_up_and_leaves_unknown_text_alone() -> None:
    assert localize("zh-CN", "cannot be empty") == "不能为空"
    assert localize("zh-CN", "not a message of the catalog") == "not a message of the catalog"
    assert localize("en", "cannot be empty") == "cannot be empty"
    assert localize("zh-CN", None) == ""


def test_an_unknown_language_gets_english() -> None:
    assert Message("cannot be empty").render("fr") == "cannot be empty"


def test_a_message_survives_pickling() -> None:
    message = Message("no case has id %(case_id)s", case_id="c1")
    back = pickle.loads(pickle.dumps(message))
    assert back == message and back.render("zh-CN") == "没有编号为 c1 的事件"
