"""Emergency roll-calls (typhoon, flood, fire): every household confirmed safe or moved,
the vulnerable first, the unconfirmed on a live list; and the shelters they move to."""
