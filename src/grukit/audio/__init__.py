"""Speech clips for the GRU classifier: read WAV files, compute log-mel / MFCC features, load labelled folders.

Shapes use the legend of :mod:`grukit.nn.functional`: a clip's N samples become T frames of C
coefficients (n_mfcc or n_mels).

Example:
    >>> from grukit.audio import FeatureConfig, extract, load_audio_folder, load_spoken_digits
    >>> data = load_spoken_digits("recordings", FeatureConfig(kind="mfcc"), val_indices=(5, 6, 7))
    >>> data.train.features[0].shape, data.train.labels[0]          # (T, 13), digit
    >>> extract("7_jackson_3.wav", FeatureConfig(), data.scaler)    # (T, 13), scaled like the training clips
    >>> clips = load_audio_folder("clips", FeatureConfig())         # clips/yes/a.wav, clips/no/b.wav, ...
    >>> clips.read_back, clips.train.labels[0]                      # what was read; "no"
"""

from grukit.audio.features import FeatureConfig, extract, fit_feature_scaler, log_mel, mfcc
from grukit.audio.folders import TEST_FRACTION, AudioFolder, LabelledClips, find_layout, load_audio_folder
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
    "TEST_FRACTION",
    "AudioFolder",
    "ClipName",
    "DigitClips",
    "FeatureConfig",
    "LabelledClips",
    "SpokenDigits",
    "extract",
    "find_layout",
    "fit_feature_scaler",
    "list_clips",
    "load_audio_folder",
    "load_clips",
    "load_spoken_digits",
    "log_mel",
    "mfcc",
    "official_split",
    "parse_name",
    "read_wav",
]
