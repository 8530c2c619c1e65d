"""Grid groups: each village's group chat (and its grids', units' and leaders'), with
members that follow the registry and the posts, messages ordered by a per-group ``seq``,
read pointers, moderation and invitations."""
