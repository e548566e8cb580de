"""Speech clips for the GRU classifier: read WAV files, compute log-mel / MFCC features, load spoken-digit folders.

Shape legend: N samples of a clip, T frames, C coefficients per frame (n_mfcc or n_mels).

Example:
    >>> from grukit.audio import FeatureConfig, extract, load_spoken_digits
    >>> data = load_spoken_digits("recordings", FeatureConfig(kind="mfcc"), val_indices=(5, 6, 7))
    >>> data.train.features[0].shape, data.train.labels[0]          # (T, 13), digit
    >>> extract("7_jackson_3.wav", FeatureConfig(), data.scaler)    # (T, 13), scaled like the training clips
"""

from grukit.audio.features import FeatureConfig, extract, fit_feature_scaler, log_mel, mfcc
from grukit.audio.fsdd import (
    NAME_PATTERN,
    OFFICIAL_TEST_INDICES,
    ClipName,
    DigitClips,
    SpokenDigits,
    list_clips,
    load_clips,
    load_spoken_digits,
    official_split,
    parse_name,
)
from grukit.audio.wav import read_wav

__all__ = [
    "NAME_PATTERN",
    "OFFICIAL_TEST_INDICES",
    "ClipName",
    "DigitClips",
    "FeatureConfig",
    "SpokenDigits",
    "extract",
    "fit_feature_scaler",
    "list_clips",
    "load_clips",
    "load_spoken_digits",
    "log_mel",
    "mfcc",
    "official_split",
    "parse_name",
    "read_wav",
]
