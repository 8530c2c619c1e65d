"""Voice messages: type and duration read by PyAV from fixtures PyAV encodes here (a sine
tone in each container), so no binary is committed."""

from __future__ import annotations

import io
import math

import av
import numpy as np
import pytest

from gridgov.errors import ValidationFailed
from gridgov.groups.voice import MAX_VOICE_BYTES, VoiceTooLarge, voice_format

# container format, codec, sample rate, layout
KINDS = {
    "webm": ("webm", "libopus", 48000, "mono"),
    "ogg": ("ogg", "libopus", 48000, "mono"),
    "m4a": ("ipod", "aac", 44100, "mono"),
    "aac": ("adts", "aac", 44100, "mono"),
    "amr": ("amr", "libopencore_amrnb", 8000, "mono"),
}


def encode_tone(kind: str, seconds: float) -> bytes:
    """A 440 Hz tone of ``seconds`` encoded by PyAV's bundled FFmpeg."""
    container_format, codec, rate, layout = KINDS[kind]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if codec == "libopencore_amrnb":
            stream.bit_rate = 12200
        frame_size = stream.codec_context.frame_size or 1024
        total = int(seconds * rate)
        for start in range(0, total, frame_size):
            count = min(frame_size, total - start)
            times = (np.arange(start, start + count) / rate).astype(np.float32)
            samples = (0.3 * np.sin(2 * math.pi * 440 * times)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("webm", "audio/webm"),
        ("ogg", "audio/ogg"),
        ("m4a", "audio/mp4"),
        ("aac", "audio/aac"),
        ("amr", "audio/amr"),
    ],
)
def test_each_accepted_kind_gives_its_type_and_duration(kind: str, content_type: str) -> None:
    info = voice_format(encode_tone(kind, 3.0))
    assert info.content_type == content_type
    assert 2.8 <= info.duration_seconds <= 3.3


def test_a_recording_over_60_seconds_is_refused_naming_the_limit() -> None:
    with pytest.raises(ValidationFailed) as refused:
        voice_format(encode_tone("amr", 61.0))
    assert "60" in refused.value.fields["file"]


def test_a_file_over_2_mb_is_refused_with_413_naming_the_limit() -> None:
    with pytest.raises(VoiceTooLarge) as refused:
        voice_format(b"\0" * (MAX_VOICE_BYTES + 1))
    assert refused.value.status == 413
    assert "2 MB" in refused.value.fields["file"]


def test_text_renamed_as_audio_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        voice_format(b"hello, this is not audio at all" * 10)
    assert set(refused.value.fields) == {"file"}


def test_an_accepted_container_with_another_codec_is_refused() -> None:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 8000), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    with pytest.raises(ValidationFailed) as refused:
        voice_format(buffer.getvalue())
    assert "AMR" in refused.value.fields["file"]
