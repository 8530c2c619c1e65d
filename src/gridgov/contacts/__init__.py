"""Party members, contact households, the contact ledger (visits) and due contacts."""
