"""REST API (FastAPI): one router per capability under /api/v1/."""
