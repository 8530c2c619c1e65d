"""The events socket, ``GET /api/v1/events`` (protocol: docs/events.md)."""
