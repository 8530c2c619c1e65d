"""Posts: who leads what (grid leader, unit leader, village secretary, ...)."""
