"""Log-mel / MFCC features: shapes, the equations in the docstring, a pure tone's mel band, config and input errors."""

import dataclasses
import wave

import numpy as np
import pytest

from grukit.audio import FeatureConfig, extract, fit_feature_scaler, log_mel, mfcc
from grukit.errors import ConfigError, DataError
from grukit.train import config_from_dict
from helpers.paths import FIXTURES

FSDD = FIXTURES / "fsdd"
RATE = 8000


def sine(freq, seconds=0.5, amplitude=0.5):
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def mel(f):
    return 1127.0 * np.log(1.0 + np.asarray(f) / 700.0)


@pytest.mark.parametrize("kind, width", [("mfcc", 13), ("logmel", 40)])
def test_shapes_follow_the_frame_count_formula(kind, width):
    config = FeatureConfig(kind=kind)
    for n in (40, 80, 119, 120, 3472):  # T = floor((N + hop / 2) / hop), hop = 80 samples
        features = extract(sine(440.0)[:n] if n <= 4000 else np.resize(sine(440.0), n), config)
        assert features.shape == ((n + 40) // 80, width) and features.dtype == np.float32
    assert config.num_features == width


def test_real_recording_shape_and_determinism():
    a = extract(FSDD / "2_nicolas_5.wav", FeatureConfig())
    b = extract(FSDD / "2_nicolas_5.wav", FeatureConfig())
    assert a.shape == (18, 13)  # 1,475 samples: floor((1475 + 40) / 80)
    np.testing.assert_array_equal(a, b)  # no dither
    assert np.isfinite(a).all()


@pytest.mark.parametrize("freq", [300.0, 1000.0, 2500.0, 3500.0])
def test_pure_tone_peaks_in_the_mel_band_that_holds_its_frequency(freq):
    config = FeatureConfig(kind="logmel")
    energies = log_mel(sine(freq), config).mean(axis=0)  # (n_mels,)
    low, high = mel(config.fmin), mel(config.upper_hz)
    centres = low + (high - low) / (config.n_mels + 1) * np.arange(1, config.n_mels + 1)  # equal steps in mel
    assert int(energies.argmax()) == int(np.abs(centres - mel(freq)).argmin())


def test_mfcc_is_the_orthonormal_dct_of_the_log_mel_energies():
    x = extract(FSDD / "4_yweweler_8.wav", FeatureConfig(kind="logmel"))  # E (T, M)
    c = extract(FSDD / "4_yweweler_8.wav", FeatureConfig(kind="mfcc"))  # (T, 13)
    m = x.shape[1]
    i, k = np.arange(13)[:, None], np.arange(m)[None, :]
    dct = np.sqrt(2.0 / m) * np.cos(np.pi * i * (k + 0.5) / m)  # (13, M)
    dct[0] /= np.sqrt(2.0)
    np.testing.assert_allclose(c, x @ dct.T, atol=1e-3)


def test_log_mel_is_a_log_energy_louder_means_plus_log_gain_squared():
    config = FeatureConfig(kind="logmel")
    quiet, loud = log_mel(sine(1000.0, amplitude=0.1), config), log_mel(sine(1000.0, amplitude=0.4), config)
    band = int(quiet.mean(0).argmax())
    np.testing.assert_allclose(loud[:, band] - quiet[:, band], np.log(16.0), atol=1e-3)  # |4 X|^2 = 16 |X|^2


@pytest.mark.parametrize("window", ["povey", "hamming", "hanning"])
def test_the_window_option_reaches_the_frames(window):
    x = extract(FSDD / "1_theo_2.wav", FeatureConfig(window=window))
    rectangular = extract(FSDD / "1_theo_2.wav", FeatureConfig())
    assert FeatureConfig().window == "rectangular"
    assert x.shape == rectangular.shape and not np.allclose(x, rectangular, atol=1e-2)


def test_path_and_array_give_the_same_features():
    from grukit.audio import read_wav

    path = FSDD / "6_yweweler_3.wav"
    np.testing.assert_array_equal(extract(path, FeatureConfig()), extract(read_wav(path), FeatureConfig()))


def test_scaler_fitted_on_train_clips_standardises_each_coefficient():
    train = [extract(FSDD / name, FeatureConfig()) for name in ("2_nicolas_5.wav", "4_yweweler_8.wav")]
    scaler = fit_feature_scaler(train)
    names = ("2_nicolas_5.wav", "4_yweweler_8.wav")
    scaled = np.concatenate([extract(FSDD / name, FeatureConfig(), scaler) for name in names])  # (sum T, 13)
    np.testing.assert_allclose(scaled.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(scaled.std(0), 1.0, atol=1e-5)
    assert scaled.dtype == np.float32
    with pytest.raises(DataError, match=r"^fit_feature_scaler: no training clips; pass one \(T, C\) array"):
        fit_feature_scaler([])


# --------------------------------------------------------------------------- errors
def test_too_short_clip():
    with pytest.raises(DataError) as info:
        extract(np.zeros(39, dtype=np.float32), FeatureConfig())
    assert str(info.value) == (
        "samples: 39 samples is too short for one frame; a clip needs at least 40 samples (5 ms at 8000 Hz)."
    )


@pytest.mark.parametrize("samples, message", [
    (np.zeros((2, 100), np.float32),
     "extract: samples must be a non-empty 1-D array (N,) of mono audio; got shape (2, 100)."),
    (np.zeros(0, np.float32), "extract: samples must be a non-empty 1-D array (N,) of mono audio; got shape (0,)."),
    (np.zeros(100, np.int16),
     "extract: samples must be floats in [-1, 1); got dtype int16; divide 16-bit integers by 32768."),
    (np.full(100, np.nan, np.float32), "extract: samples contain NaN or infinite values; pass finite audio samples."),
])
def test_bad_sample_arrays(samples, message):
    with pytest.raises(DataError) as info:
        extract(samples, FeatureConfig())
    assert str(info.value) == message


def test_wrong_sample_rate_file_goes_through_read_wav(tmp_path):
    path = tmp_path / "hifi.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(4000, dtype="<i2").tobytes())  # 0.25 s of silence at 16 kHz
    with pytest.raises(DataError, match=r"sample rate is 16000 Hz, expected 8000 Hz"):
        extract(path, FeatureConfig())
    assert extract(path, FeatureConfig(sample_rate=16000)).shape == (25, 13)  # 0.25 s at 10 ms hops


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "mel"}, "FeatureConfig: kind must be one of 'mfcc', 'logmel'; got 'mel'."),
    ({"n_mfcc": 41}, "FeatureConfig: n_mfcc must be an integer in [1, n_mels=40]; got 41."),
    ({"hop_ms": 30.0}, "FeatureConfig: hop_ms must be a number in (0, frame_ms=25.0]; got 30.0."),
    ({"fmax": 5000.0}, "FeatureConfig: fmax must be None or a number in (0, sample_rate / 2 = 4000]; got 5000.0."),
    ({"fmin": 4000.0}, "FeatureConfig: fmin must be a number in [0, fmax=4000); got 4000.0."),
    ({"n_mels": "40"}, "FeatureConfig: n_mels must be int; got '40' (str)."),
    ({"window": "hann"},
     "FeatureConfig: window must be one of 'povey', 'hamming', 'hanning', 'rectangular'; got 'hann'."),
])
def test_config_errors(kwargs, message):
    with pytest.raises(ConfigError) as info:
        FeatureConfig(**kwargs)
    assert str(info.value) == message


def test_config_round_trips_through_a_dict():
    config = FeatureConfig(kind="logmel", n_mels=32, fmax=3800.0)
    assert config_from_dict(FeatureConfig, dataclasses.asdict(config)) == config
