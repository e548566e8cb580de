"""``read_wav``: a 16-bit PCM mono WAV file as float samples, with one-line errors for every bad file.

The standard library's ``wave`` module parses the RIFF header; nothing else is needed for PCM. Samples
are scaled to [-1, 1)::

    x[n] = s[n] / 32768        s[n] the signed 16-bit little-endian sample n
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from grukit.errors import DataError

__all__ = ["read_wav"]

_SAMPLE_WIDTH = 2  # bytes per sample: 16-bit PCM
_FULL_SCALE = 32768.0  # 2**15: int16 -> [-1, 1)


def read_wav(path: str | Path, sample_rate: int | None = 8000) -> np.ndarray:
    """Read a 16-bit PCM mono WAV file into float32 samples x[n] = s[n] / 32768 in [-1, 1).

    Args:
        path: the ``.wav`` file.
        sample_rate: the rate the file must have, in Hz; None accepts any rate.

    Returns:
        samples (N,) float32, N >= 1.

    Raises:
        DataError: a one-line message naming the file when it is missing, is not a RIFF/WAV file, has a
            truncated header or data, is not 16-bit PCM, is not mono, has another sample rate than
            ``sample_rate``, or holds no samples.

    Example:
        >>> x = read_wav("tests/fixtures/fsdd/1_theo_2.wav")     # (N,) float32 at 8 kHz
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file; pass the path of an existing .wav file.")
    with path.open("rb") as f:
        magic = f.read(12)
    if len(magic) < 12 or magic[:4] != b"RIFF" or magic[8:12] != b"WAVE":
        raise DataError(f"{path}: not a valid RIFF/WAV file (it does not start with a RIFF/WAVE header); "
                        f"pass a 16-bit PCM .wav file.")
    channels, width, rate, frames, data = _parse(path)
    _check_format(path, channels, width, rate, sample_rate)
    if frames == 0:
        raise DataError(f"{path}: holds no audio samples (0 frames); pass a recording that is not empty.")
    if len(data) < frames * _SAMPLE_WIDTH:
        raise DataError(f"{path}: truncated: the header declares {frames} samples but the file holds "
                        f"{len(data) // _SAMPLE_WIDTH}; re-export or re-download the file.")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / _FULL_SCALE  # (N,)


def _parse(path: Path) -> tuple[int, int, int, int, bytes]:
    """(channels, sample width in bytes, rate, frames, sample bytes) from ``wave``; a DataError when it cannot parse."""
    try:
        with wave.open(str(path), "rb") as w:
            header = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            return (*header, w.readframes(header[3]))
    except EOFError:
        reason = "truncated header"
    except RuntimeError:  # wave's chunk reader, on a chunk size that points past the end of the file
        reason = "corrupt header"
    except wave.Error as err:
        if str(err).startswith("unknown format"):  # e.g. 3 (IEEE float), 65534 (WAVE_FORMAT_EXTENSIBLE)
            code = str(err).split(":")[-1].strip()
            raise DataError(f"{path}: WAV format code {code} is not plain PCM; expected 16-bit PCM; convert it, "
                            f"e.g. sox in.wav -e signed-integer -b 16 out.wav.") from None
        reason = "corrupt header"
    raise DataError(f"{path}: not a valid RIFF/WAV file ({reason}); pass a 16-bit PCM .wav file.")


def _check_format(path: Path, channels: int, width: int, rate: int, sample_rate: int | None) -> None:
    """One-line errors for a readable WAV of the wrong kind: sample width, channels, sample rate."""
    if width != _SAMPLE_WIDTH:
        raise DataError(f"{path}: {8 * width}-bit samples; expected 16-bit PCM; convert it, "
                        f"e.g. sox in.wav -b 16 out.wav.")
    if channels != 1:
        raise DataError(f"{path}: {channels} channels; expected mono (1 channel); mix it down, "
                        f"e.g. sox in.wav -c 1 out.wav.")
    if sample_rate is not None and rate != sample_rate:
        raise DataError(f"{path}: sample rate is {rate} Hz, expected {sample_rate} Hz; resample it to "
                        f"{sample_rate} Hz (e.g. sox in.wav -r {sample_rate} out.wav) or set the expected "
                        f"sample_rate to {rate}.")
