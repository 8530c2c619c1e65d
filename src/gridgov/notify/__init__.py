"""Events people must hear of: written to an outbox in the same transaction as the change,
delivered after commit by a job (in-app inbox today; grid group, WeCom, email later)."""
