"""The process's bridges, built from its Settings (gridgov.deployment installs them).

A channel whose settings are missing (no SMTP host, no SMS URL and keys) has no bridge: its
rows fail with "not configured" and become dead letters an administrator can retry once it
is configured. Tests install bridges pointed at their fake servers the same way."""

from __future__ import annotations

from gridgov.notify.bridges.protocol import Bridge
from gridgov.notify.bridges.sms import SmsBridge, SmsConfig, parse_templates
from gridgov.notify.bridges.smtp import EmailBridge, SmtpConfig
from gridgov.notify.bridges.wecom import WeComBridge
from gridgov.settings import Settings

_bridges: dict[str, Bridge] = {}
_wecom_base_url = "https://qyapi.weixin.qq.com"


def bridges_for(settings: Settings) -> dict[str, Bridge]:
    timeout = settings.bridge_timeout_seconds
    bridges: dict[str, Bridge] = {"wecom": WeComBridge(timeout=timeout)}
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        bridges["email"] = EmailBridge(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                user=settings.smtp_user,
                password=password,
                starttls=settings.smtp_starttls,
                sender=settings.smtp_from,
                timeout=timeout,
            )
        )
    if settings.sms_url and settings.sms_key_id and settings.sms_secret:
        bridges["sms"] = SmsBridge(
            SmsConfig(
                url=settings.sms_url,
                key_id=settings.sms_key_id,
                secret=settings.sms_secret.get_secret_value(),
                sign_name=settings.sms_sign_name,
                templates=parse_templates(settings.sms_templates),
                timeout=timeout,
            )
        )
    return bridges


def use_bridges(settings: Settings) -> None:
    """Install the bridges of ``settings`` for the process."""
    global _bridges, _wecom_base_url  # noqa: PLW0603 - one set of bridges per process
    _bridges = bridges_for(settings)
    _wecom_base_url = settings.wecom_base_url.rstrip("/")


def bridge_for(channel: str) -> Bridge | None:
    return _bridges.get(channel)


def wecom_base_url() -> str:
    """The base URL a new WeCom route gets when it names none."""
    return _wecom_base_url
