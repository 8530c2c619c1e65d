"""Audit log: an append-only record of every write and every reveal of personal data."""
