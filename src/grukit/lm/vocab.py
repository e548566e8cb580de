"""Reading a text file and turning it into token ids: a character or a byte vocabulary."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grukit.errors import ConfigError, DataError

__all__ = ["Vocabulary", "read_text", "split_text", "bundled_text"]

KINDS = ("char", "byte")


def bundled_text() -> Path:
    """The bundled tiny-shakespeare (Karpathy's char-rnn ``input.txt``, byte for byte; public domain)."""
    return Path(__file__).resolve().parents[1] / "data" / "bundled" / "tinyshakespeare.txt"

def read_text(path: str | Path) -> str:
    """The content of a UTF-8 text file; a DataError for a missing, empty or binary (NUL bytes, not UTF-8) file.

    Example:
        >>> read_text(bundled_text())[:14]
        'First Citizen:'
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"text file {path} does not exist; pass the path of a UTF-8 text file.")
    raw = path.read_bytes()
    if not raw:
        raise DataError(f"text file {path} is empty; pass a UTF-8 text file with the text to learn.")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise DataError(f"text file {path} is binary: it has a NUL byte at byte offset {nul}; "
                        f"pass a UTF-8 text file.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"text file {path} is not UTF-8 text: byte 0x{raw[err.start]:02x} at offset {err.start} "
                        f"cannot be decoded; pass a UTF-8 text file (convert it with `iconv -t UTF-8`).") from None


def split_text(text: str, val_fraction: float) -> tuple[str, str]:
    """The first ``1 - val_fraction`` of the text for training, the rest for validation (nanoGPT's split).

    Example:
        >>> split_text("abcdefghij", 0.1)
        ('abcdefghi', 'j')
    """
    cut = int(len(text) * (1.0 - val_fraction))
    return text[:cut], text[cut:]


@dataclass(frozen=True)
class Vocabulary:
    """The tokens of a language model: the characters of a text (sorted), or the 256 byte values of UTF-8.

    ``kind="char"`` (V = the distinct characters of the training text) is what char-rnn and
    nanoGPT use; ``kind="byte"`` (V = 256) encodes any text, at the price of multi-byte characters
    taking several steps.

    Example:
        >>> vocab = Vocabulary.from_text("hello")
        >>> vocab.chars, vocab.encode("hole").tolist(), vocab.decode([3, 1])
        ('ehlo', [1, 3, 2, 0], 'oh')
    """

    kind: str  # "char" or "byte"
    chars: str = ""  # the characters, in token-id order (kind="char" only)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"vocab must be one of {', '.join(KINDS)}; got {self.kind!r}.")

    @classmethod
    def from_text(cls, text: str, kind: str = "char") -> "Vocabulary":
        """The vocabulary of ``text``: its sorted distinct characters, or the 256 bytes."""
        return cls(kind, "".join(sorted(set(text))) if kind == "char" else "")

    @property
    def size(self) -> int:
        """V, the number of tokens."""
        return len(self.chars) if self.kind == "char" else 256

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of ``text`` that have no token, in order of appearance."""
        if self.kind == "byte":
            return []
        known = set(self.chars)
        return list(dict.fromkeys(c for c in text if c not in known))

    def encode(self, text: str) -> np.ndarray:
        """Token ids (N,) int64; a DataError names the characters the vocabulary lacks."""
        if self.kind == "byte":
            return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        missing = self.unknown(text)
        if missing:
            raise DataError(f"the text has {len(missing)} character(s) outside the model's vocabulary: "
                            f"{', '.join(map(repr, missing[:10]))}; use only characters seen in training "
                            f"({self.size} characters), or train with --vocab byte.")
        index = {c: i for i, c in enumerate(self.chars)}
        return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        """The text of token ids (invalid UTF-8 of a byte vocabulary becomes U+FFFD)."""
        ids = [int(i) for i in ids]
        if self.kind == "byte":
            return bytes(ids).decode("utf-8", errors="replace")
        return "".join(self.chars[i] for i in ids)

    def decoder(self) -> Iterator[str]:
        """A generator to ``send`` token ids to, one at a time, that answers with the text they complete.

        Byte tokens of one multi-byte character answer "" until the character is complete.

        Example:
            >>> decode = Vocabulary("byte").decoder(); next(decode)
            ''
            >>> [decode.send(b) for b in "é".encode()]
            ['', 'é']
        """
        incremental = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text = ""
        while True:
            token = yield text
            text = incremental.decode(bytes([token])) if self.kind == "byte" else self.chars[token]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "chars": self.chars}

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabulary":
        return cls(data["kind"], data.get("chars", ""))
