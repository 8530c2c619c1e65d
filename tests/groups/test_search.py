"""Search within the caller's groups, on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from gridgov.accounts.principal import principal_for
from gridgov.errors import ValidationFailed
from gridgov.groups.actions import Draft, check_post_message, check_recall_message
from gridgov.groups.search import search_messages
from tests.factories.groups import World, group_of, make_world


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def post(session: Session, world: World, user_index: int, village: int, said: str) -> str:
    unit = world.tree.units[world.tree.grids[world.village(village).code][0].code][0]
    user = world.villagers[unit.code][user_index]
    group = group_of(session, "village", world.village(village).code)
    message = check_post_message(
        session, group, Draft(text=said), principal=principal_for(session, user)
    )
    return message.id


def first_villager(world: World, village: int = 0):
    unit = world.tree.units[world.tree.grids[world.village(village).code][0].code][0]
    return world.villagers[unit.code][0]


def found(session: Session, world: World, query: str, village: int = 0) -> list[str]:
    principal = principal_for(session, first_villager(world, village))
    page = search_messages(session, principal, query, limit=50, offset=0)
    assert page.total == len(page.messages)
    return [message.text or "" for message in page.messages]


def test_a_two_character_chinese_query_finds_its_messages(session: Session, world: World) -> None:
    post(session, world, 0, 0, "今晚台风登陆，请大家注意安全")
    post(session, world, 1, 0, "明天停水一天")
    post(session, world, 1, 0, "强台风过境后清理道路")
    assert sorted(found(session, world, "台风")) == [
        "今晚台风登陆，请大家注意安全",
        "强台风过境后清理道路",
    ]
    assert found(session, world, "停水") == ["明天停水一天"]


def test_three_characters_one_character_and_latin_words(session: Session, world: World) -> None:
    post(session, world, 0, 0, "3号楼WiFi坏了")
    post(session, world, 0, 0, "台风来了")
    assert found(session, world, "风来了") == ["台风来了"]
    assert found(session, world, "坏") == ["3号楼WiFi坏了"]
    assert found(session, world, "wifi") == ["3号楼WiFi坏了"]
    assert found(session, world, "3号楼") == ["3号楼WiFi坏了"]
    assert found(session, world, "风楼") == []


def test_a_word_longer_than_postgresqls_limit_is_stored_and_found(
    session: Session, world: World
) -> None:
    """Found by the fuzz run: a 3,000-digit word was over the tsvector word limit (500)."""
    long_word = "0" * 3000
    post(session, world, 0, 0, f"编号 {long_word}")
    # A query is at most 100 characters: the word's first 100 find it (cut alike).
    assert found(session, world, long_word[:100]) == [f"编号 {long_word}"]


def test_only_the_callers_groups_are_searched(session: Session, world: World) -> None:
    post(session, world, 0, 0, "台风预警 village one")
    post(session, world, 0, 1, "台风预警 village two")
    assert found(session, world, "台风", village=0) == ["台风预警 village one"]
    assert found(session, world, "台风", village=1) == ["台风预警 village two"]


def test_a_forged_group_token_in_a_text_reaches_no_other_group(
    session: Session, world: World
) -> None:
    own_group = group_of(session, "village", world.village(0).code)
    post(session, world, 0, 1, f"台风 grp{own_group.id}")
    assert found(session, world, "台风", village=0) == []


def test_recalled_messages_are_not_found(session: Session, world: World) -> None:
    post(session, world, 0, 0, "台风停课通知")
    from gridgov.groups.models import GroupMessage

    message = session.get(GroupMessage, post(session, world, 0, 0, "台风停课取消"))
    assert message is not None
    check_recall_message(session, message, actor="test")
    assert found(session, world, "台风") == ["台风停课通知"]


def test_a_query_without_letters_is_refused_naming_q(session: Session, world: World) -> None:
    principal = principal_for(session, first_villager(world))
    with pytest.raises(ValidationFailed) as refused:
        search_messages(session, principal, "？！", limit=50, offset=0)
    assert set(refused.value.fields) == {"q"}
    with pytest.raises(ValidationFailed):
        search_messages(session, principal, "台" * 101, limit=50, offset=0)
