"""Accounts: users, bearer tokens, role assignments scoped to a territory code, logins."""
