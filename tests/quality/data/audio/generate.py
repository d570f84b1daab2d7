"""Writes the upload test fixtures in this folder: 1.5 s of speech-like noise (a voiced tone whose pitch glides,
with a syllable rhythm) in each accepted audio type.

Run once, by hand, from a throwaway virtualenv with PyAV (it bundles FFmpeg's encoders); PyAV is not a project
dependency and the tests never run this::

    python3 -m venv /tmp/av && /tmp/av/bin/pip install av
    /tmp/av/bin/python tests/quality/data/audio/generate.py
"""

from __future__ import annotations

import io
import math
import wave
from fractions import Fraction
from pathlib import Path

import av  # type: ignore[import-not-found]
import numpy as np  # type: ignore[import-not-found]

HERE = Path(__file__).resolve().parent
SECONDS = 1.5


def speechlike(rate: int) -> np.ndarray:
    """Mono float32 samples in [-1, 1]: harmonics of a gliding 120-220 Hz pitch, shaped into four syllables."""
    t = np.arange(int(rate * SECONDS)) / rate
    pitch = 170 + 50 * np.sin(2 * math.pi * 0.7 * t)
    phase = 2 * math.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 8))
    syllables = np.clip(np.sin(2 * math.pi * (4 / (2 * SECONDS)) * t), 0, None) ** 0.6
    noise = np.random.default_rng(15).normal(0, 0.02, t.size)
    samples = 0.35 * voice * syllables + noise
    return (samples / np.max(np.abs(samples)) * 0.8).astype(np.float32)


def write_wav(path: Path, rate: int = 8000) -> None:
    pcm = (speechlike(rate) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(pcm.tobytes())


def encode(path: Path, *, container: str, codec: str, rate: int, bit_rate: int, channels: int = 1) -> None:
    samples = speechlike(rate)
    samples = np.stack([samples, samples]) if channels == 2 else samples[np.newaxis, :]
    out = io.BytesIO()
    with av.open(out, "w", format=container) as target:
        stream = target.add_stream(codec, rate=rate, layout="stereo" if channels == 2 else "mono")
        stream.bit_rate = bit_rate
        if codec == "vorbis":  # FFmpeg's own Vorbis encoder: experimental, stereo only
            stream.codec_context.options = {"strict": "experimental"}
        step = 1024  # frames of 1024 samples with their timestamps, as a recorder hands them over
        for start in range(0, samples.shape[1], step):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + step]), format="fltp",
                                               layout="stereo" if channels == 2 else "mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    path.write_bytes(out.getvalue())


def main() -> None:
    write_wav(HERE / "tono.wav")
    encode(HERE / "tono.mp3", container="mp3", codec="libmp3lame", rate=16000, bit_rate=32000)
    encode(HERE / "tono_opus.ogg", container="ogg", codec="libopus", rate=48000, bit_rate=24000)
    encode(HERE / "tono_vorbis.ogg", container="ogg", codec="vorbis", rate=11025, bit_rate=16000, channels=2)
    encode(HERE / "tono.m4a", container="ipod", codec="aac", rate=16000, bit_rate=32000)
    encode(HERE / "tono.mpeg", container="mp2", codec="mp2", rate=16000, bit_rate=32000)
    for path in sorted(HERE.iterdir()):
        if path.suffix != ".py" and path.suffix != ".md":
            print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
