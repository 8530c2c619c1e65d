"""Grid groups: messages, notices, chain replies, read state, search."""
