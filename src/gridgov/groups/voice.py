"""Voice messages: what a browser records (WebM/Opus), what phones export (OGG/Opus, AAC in
M4A or ADTS, AMR), at most 60 seconds and 2 MB.

Type and duration are read from the bytes with PyAV (FFmpeg's demuxers, bundled in its
wheels), never guessed from the name or the declared type. The duration is measured by
demuxing every packet (no decoding), because a browser's MediaRecorder writes WebM without a
duration in its header, and a header could lie anyway.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av

from gridgov.errors import ValidationFailed
from gridgov.i18n import Message

MAX_VOICE_SECONDS = 60
MAX_VOICE_BYTES = 2 * 1024 * 1024

# (container family, codec) -> (content type, file extension). The family is the first name
# FFmpeg gives the demuxer ("matroska,webm" -> "matroska").
ACCEPTED = {
    ("matroska", "opus"): ("audio/webm", "webm"),
    ("ogg", "opus"): ("audio/ogg", "ogg"),
    ("mov", "aac"): ("audio/mp4", "m4a"),
    ("aac", "aac"): ("audio/aac", "aac"),
    ("amr", "amr_nb"): ("audio/amr", "amr"),
    ("amr", "amr_wb"): ("audio/amr-wb", "awb"),
}
# FFmpeg's own decoders name themselves without the underscore.
CODEC_ALIASES = {"amrnb": "amr_nb", "amrwb": "amr_wb", "libopencore_amrnb": "amr_nb"}


class VoiceTooLarge(ValidationFailed):
    """413: the file is over the voice size limit."""

    code = "voice_too_large"
    status = 413


@dataclass(frozen=True)
class VoiceInfo:
    """What the bytes are: a content type, an extension and the length in seconds."""

    content_type: str
    extension: str
    duration_seconds: float


def _refuse() -> ValidationFailed:
    return ValidationFailed.field(
        "file",
        Message("not a voice recording gridgov accepts: WebM/Opus, OGG/Opus, AAC/M4A or AMR"),
    )


def _measured_seconds(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    """The end of the last packet, in seconds, found by demuxing (not decoding)."""
    end = 0
    for packet in container.demux(stream):
        if packet.pts is not None:
            end = max(end, packet.pts + (packet.duration or 0))
    time_base = stream.time_base or Fraction(1, 1)
    return float(end * time_base)


def voice_format(data: bytes) -> VoiceInfo:
    """Check a voice recording; 413 over 2 MB, 422 naming ``file`` for any other refusal."""
    if len(data) > MAX_VOICE_BYTES:
        raise VoiceTooLarge.field(
            "file", Message("a voice message is at most %(limit)s MB", limit=2)
        )
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            family = container.format.name.split(",")[0]
            if container.streams.video or len(container.streams.audio) != 1:
                raise _refuse()
            stream = container.streams.audio[0]
            codec = stream.codec_context.name
            accepted = ACCEPTED.get((family, CODEC_ALIASES.get(codec, codec)))
            if accepted is None:
                raise _refuse()
            seconds = _measured_seconds(container, stream)
    except av.FFmpegError as exc:
        raise _refuse() from exc
    if seconds <= 0:
        raise _refuse()
    if seconds > MAX_VOICE_SECONDS:
        raise ValidationFailed.field(
            "file",
            Message("a voice message is at most %(limit)s seconds", limit=MAX_VOICE_SECONDS),
        )
    return VoiceInfo(accepted[0], accepted[1], round(seconds, 2))
