"""The one settings object, read from ``GRIDGOV_*`` environment variables.

Only the adapters build it (the API's ``create_app``, the ``gridgov`` command, the worker,
the migrations' environment) and pass it down; :func:`gridgov.deployment.install` hands the
parts the whole process shares (timezone, key ring, working hours) to their modules."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridgov.clock import DEFAULT_TIMEZONE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDGOV_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./data")
    # Default: a SQLite file in data_dir. A PostgreSQL URL works the same.
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = DEFAULT_TIMEZONE
    # Largest request body accepted (uploads included), in bytes.
    max_body_bytes: int = 50 * 1024 * 1024
    # How long a bearer token from POST /api/v1/auth/token lives (default 8 hours).
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    # Key of the keyed hashes (HMAC-SHA256) used to find ID numbers and phones without
    # decrypting: at least 32 characters. Outside production, generated into the data dir.
    secret_key: str | None = None
    # AES-GCM keys for personal fields at rest: "id:base64key,id:base64key", newest first
    # (the first encrypts, all decrypt; `gridgov keys rotate` re-encrypts with the first).
    encryption_keys: str | None = None
    # The pages' cookie sessions: how long one lasts at most, and after how long without a
    # request it ends (a shared office computer left signed in).
    web_session_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=300)
    web_session_idle_seconds: int = Field(default=2 * 24 * 3600, ge=300)
    # Sign-in attempts a minute from one address (token login and the pages alike); raise it
    # where many people share one address (a village office behind one router).
    login_attempts_per_ip: int = Field(default=30, ge=1, le=100_000)
    # Sign-in attempts a minute for one username or phone (failures also lock it: 5 in a row).
    login_attempts_per_login: int = Field(default=10, ge=1, le=100_000)
    # Largest case photo accepted, in bytes (JPEG, PNG or WebP).
    max_photo_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    # Messages one member may post a minute in one group (more answers 429).
    group_messages_per_minute: int = Field(default=20, ge=1, le=100_000)
    # Attachment bytes one group may hold in all (images); past it an upload answers 413.
    group_attachment_quota_bytes: int = Field(default=500 * 1024 * 1024, ge=1024)
    # Working periods of a working day, local time (case deadlines count only these).
    working_hours: str = "08:30-12:00,14:00-17:30"
    # Run the job worker (escalation, reminders, notification delivery) inside `gridgov serve`.
    embedded_worker: bool = True
    # Map tiles under the pages' territory polygons, off by default (a plain background):
    # a same-origin URL template such as /tiles/{z}/{x}/{y}.png, served by the village
    # office's reverse proxy (the pages' CSP loads images from their own origin only).
    map_tile_url: str | None = None
    # The events socket (/api/v1/events, docs/events.md): heartbeat interval, time allowed
    # for the auth and resume frames, events queued per socket before a slow client is
    # closed (it resumes from the rows), the hub's fallback poll of the log, and how long
    # events are kept for resuming clients.
    events_heartbeat_seconds: float = Field(default=25.0, gt=0, le=3600)
    events_auth_seconds: float = Field(default=10.0, gt=0, le=600)
    events_queue_size: int = Field(default=1000, ge=1, le=1_000_000)
    events_poll_seconds: float = Field(default=2.0, gt=0, le=3600)
    events_retention_days: int = Field(default=7, ge=1, le=3650)
    # Outbound bridges (gridgov.notify.bridges, docs/bridges.md). WeCom group robots: the
    # base URL a route's webhook key is sent to (a route may name another, e.g. a proxy).
    wecom_base_url: str = "https://qyapi.weixin.qq.com"
    # E-mail digests through SMTP: no host, no e-mail is sent (digests wait in the outbox).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "gridgov@localhost"
    # SMS through a provider's signed template API: the endpoint, the key id and secret that
    # sign each request (HMAC-SHA256), the approved sign name, and the template id of each
    # kind of message as "kind:template_id,kind:template_id" (e.g. urgent_notice:SMS_1234).
    sms_url: str | None = None
    sms_key_id: str | None = None
    sms_secret: SecretStr | None = None
    sms_sign_name: str = ""
    sms_templates: str = ""
    # How long one request to a bridge may take, in seconds (a slow bridge holds no one up).
    bridge_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("map_tile_url")
    @classmethod
    def _same_origin_tiles(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith("/") or value.startswith("//"):
            raise ValueError("a path on this server, such as /tiles/{z}/{x}/{y}.png")
        if not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("the URL template needs {z}, {x} and {y}")
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gridgov.sqlite3').resolve()}"
