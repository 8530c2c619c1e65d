"""Party members and the households they look after (党员联系户), the contact ledger
(visits), due contacts and the coverage report.

``assignment`` is pure (arrays in, arrays out): which member looks after which household;
``assigning`` runs it on the stored data. ``cards`` renders the printable contact cards
(PDF) from plain data.
"""
