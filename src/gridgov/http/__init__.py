"""Request plumbing shared by the HTTP adapters (the API and the pages): the per-request
database session, the bearer-token caller, the principal, the security headers and which
paths answer in the API's shapes. It stands between the adapters and ``database``, so
``api`` and ``web`` share it without importing each other."""
