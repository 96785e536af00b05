"""Text as the loaders compare it: cleaned of what only disguises it, folded to a matching
key, and made into an ASCII id part. Each is pure and idempotent: f(f(x)) == f(x)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_SPACES = re.compile(r"\s+")
# C0 and C1 controls (not tab/newline, which count as spaces), and invisible characters
# that only disguise text: zero-width space, word joiner, BOM, bidirectional embeddings,
# overrides and isolates ("Trojan Source"). Zero-width (non-)joiners stay: scripts need them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")  # terminal colour and cursor sequences, whole


def clean_text(value: object) -> str:
    """NFC, control and disguising invisible characters removed, whitespace trimmed and collapsed."""
    text = unicodedata.normalize("NFC", str(value))
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


_PUNCT = re.compile(r"[\s\-‐‑–—_.,'’`´\"()/]+")


@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """A matching key: casefolded, accents removed (Latin), punctuation to spaces.
    Non-Latin scripts are kept as they are (岡山市 stays 岡山市)."""
    if text.isascii() and "\x1b" not in text:  # the same result without the Unicode normalisations (most names)
        return _PUNCT.sub(" ", _CONTROL.sub("", text).lower()).strip()
    return _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    # compatibility forms first ('𝓐' -> 'A'), then case, then again (casefolding can compose)
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", clean_text(text)).casefold())
    no_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", _PUNCT.sub(" ", no_marks)).strip()


_NOT_ID = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """ASCII id part: 'Yeonsu-gu' -> 'yeonsu-gu', '岡山市' -> 'gang-shan-shi'."""
    if not (text.isascii() and text.isprintable()):  # (printable ASCII: nothing to clean or transliterate)
        text = anyascii(clean_text(text))
    return _NOT_ID.sub("-", text.lower()).strip("-") or "x"
