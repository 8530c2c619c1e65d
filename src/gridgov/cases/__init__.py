"""Cases: a villager's problem, raised, handled at the lowest level that can, escalated when
overdue or beyond that level, resolved, rated."""
