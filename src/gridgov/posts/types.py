"""The post types, as a table a reader can check: which level each sits on, and whether a
node has at most one current holder of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PostType:
    code: str
    level: str  # the territory level the post is held on
    exclusive: bool  # at most one current holder per node
    name_zh: str
    name_en: str


POST_TYPES: dict[str, PostType] = {
    post.code: post
    for post in (
        PostType("town_official", "town", False, "镇干部", "Town official"),
        PostType("village_secretary", "village", True, "村党支部书记", "Village party secretary"),
        PostType("village_director", "village", True, "村委会主任", "Village committee director"),
        PostType("grid_leader", "grid", True, "网格长", "Grid leader"),
        PostType("grid_member", "grid", False, "网格员", "Grid member"),
        PostType("party_group_leader", "grid", True, "网格党小组长", "Grid party group leader"),
        PostType("unit_leader", "unit", True, "单元长", "Unit leader"),
    )
}
