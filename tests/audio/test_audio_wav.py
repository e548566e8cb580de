"""read_wav: a generated tone round-trips, a real FSDD file reads, and every bad file is one exact line."""

import struct
import wave

import numpy as np
import pytest

from grukit.audio import read_wav
from grukit.errors import DataError
from helpers.paths import FIXTURES

FSDD = FIXTURES / "fsdd"


def write_wav(path, samples, rate=8000, channels=1, width=2):
    """Write integer samples (N * channels,) with the standard library's wave module."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}[width]
        w.writeframes(np.asarray(samples).astype(dtype).tobytes())
    return path


def tone(freq=440.0, seconds=0.25, rate=8000, amplitude=0.5):
    """A sine wave as int16 samples."""
    t = np.arange(int(seconds * rate)) / rate
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def test_generated_tone_round_trips_exactly(tmp_path):
    samples = tone()
    x = read_wav(write_wav(tmp_path / "tone.wav", samples))
    assert x.dtype == np.float32 and x.shape == (2000,)
    np.testing.assert_array_equal(x, samples / 32768.0)  # x[n] = s[n] / 32768, exactly


def test_full_scale_maps_into_minus_one_to_one(tmp_path):
    x = read_wav(write_wav(tmp_path / "edges.wav", [-32768, 0, 32767]))
    assert x.tolist() == [-1.0, 0.0, 32767 / 32768]


def test_real_fsdd_recording():
    x = read_wav(FSDD / "1_theo_2.wav")
    assert x.shape == (1556,) and x.dtype == np.float32
    raw = (FSDD / "1_theo_2.wav").read_bytes()
    assert raw[36:40] == b"data" and len(raw) == 44 + 2 * 1556  # a plain 44-byte header, then the samples
    np.testing.assert_array_equal(x * 32768, struct.unpack("<1556h", raw[44:]))


def test_any_rate_is_accepted_with_sample_rate_none(tmp_path):
    assert read_wav(write_wav(tmp_path / "a.wav", tone(rate=16000), rate=16000), sample_rate=None).shape == (4000,)


# --------------------------------------------------------------------------- bad files, exact messages
def error_of(path, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        read_wav(path, **kwargs)
    return str(info.value)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.wav"
    assert error_of(path) == f"{path}: no such file; pass the path of an existing .wav file."


def test_wrong_sample_rate_says_found_expected_and_how_to_fix(tmp_path):
    path = write_wav(tmp_path / "hifi.wav", tone(rate=16000), rate=16000)
    assert error_of(path) == (
        f"{path}: sample rate is 16000 Hz, expected 8000 Hz; resample it to 8000 Hz "
        f"(e.g. sox in.wav -r 8000 out.wav) or set the expected sample_rate to 16000."
    )


def test_random_bytes_are_not_a_riff_file(tmp_path):
    path = tmp_path / "noise.wav"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 300, dtype=np.uint8).tobytes())
    assert error_of(path) == (
        f"{path}: not a valid RIFF/WAV file (it does not start with a RIFF/WAVE header); pass a 16-bit PCM .wav file."
    )


def test_empty_file_is_not_a_riff_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    assert "not a valid RIFF/WAV file (it does not start with a RIFF/WAVE header)" in error_of(path)


def test_header_cut_short(tmp_path):
    path = tmp_path / "cut.wav"
    path.write_bytes((FSDD / "1_theo_2.wav").read_bytes()[:30])  # inside the fmt chunk
    assert error_of(path) == f"{path}: not a valid RIFF/WAV file (truncated header); pass a 16-bit PCM .wav file."


def test_corrupt_chunk_sizes(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"RIFF\x00\x01\x00\x00WAVE" + bytes(range(60)))  # a chunk size that points past the end
    assert error_of(path) == f"{path}: not a valid RIFF/WAV file (corrupt header); pass a 16-bit PCM .wav file."


def test_data_cut_short(tmp_path):
    path = tmp_path / "short.wav"
    path.write_bytes((FSDD / "1_theo_2.wav").read_bytes()[:100])  # 44-byte header + 28 of 1556 samples
    assert error_of(path) == (
        f"{path}: truncated: the header declares 1556 samples but the file holds 28; re-export or re-download the file."
    )


def test_stereo_is_refused(tmp_path):
    path = write_wav(tmp_path / "stereo.wav", np.repeat(tone(), 2), channels=2)
    assert error_of(path) == (f"{path}: 2 channels; expected mono (1 channel); mix it down, "
                              f"e.g. sox in.wav -c 1 out.wav.")


def test_8_bit_is_refused(tmp_path):
    path = write_wav(tmp_path / "8bit.wav", np.full(100, 128), width=1)
    assert error_of(path) == f"{path}: 8-bit samples; expected 16-bit PCM; convert it, e.g. sox in.wav -b 16 out.wav."


def test_float_wav_is_refused(tmp_path):
    path = write_wav(tmp_path / "float.wav", tone())
    raw = bytearray(path.read_bytes())
    raw[20:22] = struct.pack("<H", 3)  # the fmt chunk's format code: 3 = IEEE float
    path.write_bytes(bytes(raw))
    assert error_of(path) == (
        f"{path}: WAV format code 3 is not plain PCM; expected 16-bit PCM; convert it, "
        f"e.g. sox in.wav -e signed-integer -b 16 out.wav."
    )


def test_no_samples(tmp_path):
    path = write_wav(tmp_path / "silent.wav", np.zeros(0))
    assert error_of(path) == f"{path}: holds no audio samples (0 frames); pass a recording that is not empty."
