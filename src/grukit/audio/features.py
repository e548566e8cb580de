"""Log-mel and MFCC features of a clip, (T, C) per file, computed with kaldi-native-fbank.

The analysis follows Kaldi's ``compute-fbank-feats`` / ``compute-mfcc-feats``: for frame t of
``frame_ms`` every ``hop_ms`` (frames centred on t * hop, edges mirrored: ``snip_edges=False``)::

    x_t      = w * preemph(s_t - mean(s_t))                 s in 16-bit units, preemph 0.97, w = config.window
    P_t[k]   = |FFT(x_t)[k]|^2                              FFT length: the frame length rounded up to a power of 2
    E_t[m]   = log(max(eps, sum_k H_m[k] P_t[k]))           H_m: n_mels triangles, equal width in mel(f)
    c_t[i]   = sqrt(2 / n_mels) * a_i * sum_m E_t[m] cos(pi i (m + 1/2) / n_mels),   a_0 = 1/sqrt(2), a_i = 1 else

with mel(f) = 1127 ln(1 + f / 700), eps = 1.19e-7 (float32's epsilon). ``kind="logmel"``
returns E (T, n_mels); ``kind="mfcc"`` returns c for i < n_mfcc (T, n_mfcc): the orthonormal DCT-II of
E, without liftering or energy replacement. Dither is off, so features are deterministic.
T = floor((N + hop / 2) / hop) for N samples.

Why kaldi-native-fbank (measured on the 1,800 FSDD files, one torch thread, 2 CPU cores shared
with other jobs at load 3-8, so the times move by about 40% between runs):

    python benchmarks/classify_fsdd.py --compare-libraries      # with librosa, python_speech_features installed

    40 log-mel + 13 MFCC per file      1,800 files (2 runs)   first call, fresh process          install
    kaldi-native-fbank 1.23            1.57 s, 2.20 s         0.01 s                             1 wheel, 1.3 MB
    librosa 0.11                       1.77 s, 2.56 s         2.6-3.8 s (26 s once: numba JIT)   24 packages, ~400 MB
    python_speech_features 0.6         2.27 s, 2.68 s         0.00 s                             last release 2017
    (an earlier script also timed spafe 0.3.3 at 4.65 s and scipy.signal.stft + a mel matrix at 0.79 s)

Downstream, all libraries saturate the official split (test takes 0-4 share the training speakers:
``benchmarks/classify_fsdd.py`` scores 300/300 on each of 3 seeds). To tell features apart, a
harder check held one speaker's training takes out as validation (250 clips; a 2 x 64
bidirectional GRU, 12 epochs, 13 MFCCs): held-out "george", seed 0, each library with its usual
window: kaldi-native-fbank (Povey) 0.600, librosa (Hann) 0.608, scipy.signal (Hann) 0.644,
python_speech_features (no window) 0.664. The gap is the window, not the library: with
kaldi-native-fbank, ``window="rectangular"`` beat "povey" in 6 of 6 runs (speakers george,
jackson, lucas x seeds 0, 1; mean 0.752 vs 0.668) and matched python_speech_features on george
(0.688 / 0.700 vs 0.664 / 0.700), hence the default. kaldi-native-fbank is as fast as the others,
starts instantly (``grukit classify predict`` on one file stays fast), is actively released
(k2-fsa, used by sherpa-onnx) and adds one small wheel; librosa would bring numba and scikit-learn
into every install, and python_speech_features is no longer maintained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from grukit.audio.wav import read_wav
from grukit.data.scaling import StandardScaler
from grukit.errors import DataError
from grukit.train.dataclass_config import check_field_types, require

__all__ = ["FeatureConfig", "extract", "log_mel", "mfcc", "fit_feature_scaler"]

FeatureKind = Literal["mfcc", "logmel"]
Window = Literal["povey", "hamming", "hanning", "rectangular"]
_INT16_SCALE = 32768.0  # Kaldi expects samples in 16-bit units


@dataclass
class FeatureConfig:
    """How a clip becomes a (T, C) feature matrix; saved with every model that uses it.

    Construction checks every value and raises :class:`~grukit.errors.ConfigError` with a one-line
    message; read one from a TOML table with ``config_from_dict(FeatureConfig, table)``.

    Example:
        >>> config = FeatureConfig(kind="logmel", n_mels=40)
        >>> config.num_features
        40
    """

    kind: FeatureKind = "mfcc"  # "mfcc" (DCT of the log-mel energies) or "logmel" (log mel-filterbank energies)
    sample_rate: int = 8000  # Hz; every WAV file must have this rate (FSDD is 8 kHz)
    frame_ms: float = 25.0  # analysis window length in milliseconds
    hop_ms: float = 10.0  # step between frames in milliseconds
    window: Window = "rectangular"  # frame window: "rectangular" (none), "povey" (hann ** 0.85), "hamming", "hanning"
    n_mels: int = 40  # triangular mel filters between fmin and fmax
    n_mfcc: int = 13  # cepstral coefficients kept when kind="mfcc"; at most n_mels
    fmin: float = 20.0  # lower edge of the lowest mel filter, Hz
    fmax: float | None = None  # upper edge of the highest mel filter, Hz; None: sample_rate / 2
    normalize: bool = True  # load_spoken_digits z-scores each coefficient with the training clips' mean and std

    def __post_init__(self) -> None:
        check_field_types(self)
        nyquist = self.sample_rate / 2
        require(self, self.sample_rate >= 1000, "sample_rate", "an integer >= 1000 (Hz)")
        require(self, math.isfinite(self.frame_ms) and self.frame_ms > 0, "frame_ms", "a number > 0")
        require(self, math.isfinite(self.hop_ms) and 0 < self.hop_ms <= self.frame_ms, "hop_ms",
                f"a number in (0, frame_ms={self.frame_ms}]")
        require(self, self.n_mels >= 2, "n_mels", "an integer >= 2")
        require(self, 1 <= self.n_mfcc <= self.n_mels, "n_mfcc", f"an integer in [1, n_mels={self.n_mels}]")
        require(self, self.fmax is None or 0 < self.fmax <= nyquist, "fmax",
                f"None or a number in (0, sample_rate / 2 = {nyquist:g}]")
        require(self, 0 <= self.fmin < self.upper_hz, "fmin", f"a number in [0, fmax={self.upper_hz:g})")

    @property
    def upper_hz(self) -> float:
        """The upper edge of the highest mel filter: ``fmax``, or sample_rate / 2 when it is None."""
        return self.sample_rate / 2 if self.fmax is None else self.fmax

    @property
    def num_features(self) -> int:
        """C, the number of coefficients per frame: n_mfcc for "mfcc", n_mels for "logmel"."""
        return self.n_mfcc if self.kind == "mfcc" else self.n_mels



# --------------------------------------------------------------------------- the features
def extract(source: str | Path | np.ndarray, config: FeatureConfig,
            scaler: StandardScaler | None = None) -> np.ndarray:
    """The features of one clip: a WAV path (read with :func:`read_wav`) or samples in [-1, 1).

    Args:
        source: a ``.wav`` path, which must have ``config.sample_rate``; or a 1-D float array of
            samples already at ``config.sample_rate``.
        config: a :class:`FeatureConfig`; ``config.kind`` picks :func:`log_mel` or :func:`mfcc`.
        scaler: the per-coefficient scaler fitted on the training clips (:func:`fit_feature_scaler`);
            None returns the features unscaled.

    Returns:
        features (T, C) float32, T frames of C = ``config.num_features`` coefficients.

    Example:
        >>> feats = extract("tests/fixtures/fsdd/1_theo_2.wav", FeatureConfig())    # (T, 13)
    """
    if isinstance(source, (str, Path)):
        samples, name = read_wav(source, config.sample_rate), str(source)
    else:
        samples, name = _check_samples(source), "samples"
    features = mfcc(samples, config) if config.kind == "mfcc" else log_mel(samples, config)  # (T, C)
    if features.shape[0] == 0:
        hop = _frame_samples(config.hop_ms, config.sample_rate)
        raise DataError(f"{name}: {samples.shape[0]} samples is too short for one frame; a clip needs at least "
                        f"{(hop + 1) // 2} samples ({config.hop_ms / 2:g} ms at {config.sample_rate} Hz).")
    if scaler is not None:
        features = scaler.transform(features).astype(np.float32)  # (T, C)
    return features


def log_mel(samples: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """Log mel-filterbank energies E_t[m] = log(max(eps, sum_k H_m[k] |FFT(x_t)[k]|^2)), (T, n_mels) float32."""
    knf = _kaldi_native_fbank()
    options = knf.FbankOptions()
    _set_common_options(options, config)
    return _run(knf.OnlineFbank(options), samples, config.sample_rate, config.n_mels)


def mfcc(samples: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """MFCCs c_t[i] = orthonormal DCT-II of the log-mel energies E_t, i < n_mfcc, (T, n_mfcc) float32."""
    knf = _kaldi_native_fbank()
    options = knf.MfccOptions()
    _set_common_options(options, config)
    options.num_ceps = config.n_mfcc
    options.use_energy = False  # c_0 stays the DCT's, not the frame's log energy
    options.cepstral_lifter = 0.0  # no liftering: the plain DCT above
    return _run(knf.OnlineMfcc(options), samples, config.sample_rate, config.n_mfcc)


def fit_feature_scaler(features: list[np.ndarray]) -> StandardScaler:
    """Per-coefficient z-score z = (f - mean_c) / std_c, fitted on every frame of the TRAINING clips only.

    Args:
        features: one (T_i, C) array per training clip.

    Example:
        >>> scaler = fit_feature_scaler([extract(p, config) for p in train_paths])
        >>> extract(test_path, config, scaler)       # (T, C), scaled with the training statistics
    """
    if not features:
        raise DataError("fit_feature_scaler: no training clips; pass one (T, C) array per training clip.")
    return StandardScaler().fit(np.concatenate(features, axis=0))  # fitted on (sum T_i, C)


# --------------------------------------------------------------------------- kaldi-native-fbank plumbing
def _kaldi_native_fbank():
    try:
        import kaldi_native_fbank
    except ImportError:
        raise ImportError("grukit.audio needs kaldi-native-fbank for its features; "
                          "install it with `pip install kaldi-native-fbank`.") from None
    return kaldi_native_fbank


def _set_common_options(options: Any, config: FeatureConfig) -> None:
    """Frame and mel options shared by fbank and MFCC (``options.frame_opts``, ``options.mel_opts``)."""
    frame = options.frame_opts
    frame.samp_freq = float(config.sample_rate)
    frame.frame_length_ms = config.frame_ms
    frame.frame_shift_ms = config.hop_ms
    frame.dither = 0.0  # deterministic features
    frame.window_type = config.window
    frame.snip_edges = False  # frames centred on t * hop: T = floor((N + hop / 2) / hop)
    mel = options.mel_opts
    mel.num_bins = config.n_mels
    mel.low_freq = config.fmin
    mel.high_freq = config.upper_hz


def _run(computer: Any, samples: np.ndarray, sample_rate: int, width: int) -> np.ndarray:
    """Feed all samples (in 16-bit units) to an online Kaldi feature computer and stack its ``width``-wide frames."""
    computer.accept_waveform(float(sample_rate), (samples * _INT16_SCALE).tolist())
    computer.input_finished()
    frames = [computer.get_frame(t) for t in range(computer.num_frames_ready)]
    return np.asarray(frames, dtype=np.float32).reshape(len(frames), width)  # (T, C)


def _frame_samples(milliseconds: float, sample_rate: int) -> int:
    return int(round(milliseconds * sample_rate / 1000))


def _check_samples(samples: Any) -> np.ndarray:
    """A 1-D finite float array, else a one-line DataError."""
    array = np.asarray(samples)
    if array.ndim != 1 or array.shape[0] == 0:
        raise DataError(f"extract: samples must be a non-empty 1-D array (N,) of mono audio; got shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.floating):
        raise DataError(f"extract: samples must be floats in [-1, 1); got dtype {array.dtype}; "
                        f"divide 16-bit integers by 32768.")
    if not np.isfinite(array).all():
        raise DataError("extract: samples contain NaN or infinite values; pass finite audio samples.")
    return array.astype(np.float32, copy=False)
