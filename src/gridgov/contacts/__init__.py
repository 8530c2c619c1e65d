"""Party members and the households they look after (党员联系户).

``assignment`` is pure (arrays in, arrays out): which member looks after which household.
``cards`` renders the printable contact cards (PDF) from plain data.
"""
