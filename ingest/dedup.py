"""Near-duplicate speeches: MinHash fingerprints of the restored text and LSH grouping.

The same speech turns up on many sites, spun or not. Fingerprints are taken over the de-spun text,
in Simplified characters, without punctuation or spaces, as the set of its 2- and 3-character
shingles: a spun copy and its original then score ~1.0, unrelated speeches on the same topic ~0.13.
"""
import numpy as np

from ingest.text import NOT_TEXT_RE, to_simplified

NUM_PERM = 128
SCHEME = "affine32"          # datasketch's MinHash scheme whose values `signature` gives (stored: never to change)
# Shingles are hashed from their code points with numpy (splitmix64's finaliser, low 32 bits, in
# shingle_hashes) instead of datasketch's per-shingle SHA-1, which was over half of all cleaning time.
# Changing the hash changes every stored signature: it is part of the index format.
THRESHOLD = 0.6              # estimated Jaccard at and above which two documents are copies
SHINGLE_SIZES = (2, 3)


def fingerprint_text(doc: dict) -> str:
    """The text a document is fingerprinted on: restored title and paragraphs, Simplified, letters only."""
    parts = [doc.get("title") or ""]
    parts += [paragraph.get("restored") or paragraph["text"] for paragraph in doc["paragraphs"]]
    return NOT_TEXT_RE.sub("", to_simplified("".join(parts)))


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the 2- and 3-character shingles of `text`, a repeated shingle repeated (a MinHash
    is the same either way: np.unique cost more than the rows it saved)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    keys = []
    for size in SHINGLE_SIZES:
        if len(codes) >= size:
            key = np.zeros(len(codes) - size + 1, dtype=np.uint64)
            for offset in range(size):   # 21 bits a code point: a shingle's key is exact, not hashed
                key = (key << np.uint64(21)) | codes[offset:len(codes) - size + 1 + offset]
            keys.append(key)      # a 3-shingle's key is >= 2**42 > any 2-shingle's: no clash
    if not keys:
        return np.zeros(0, dtype=np.uint64)
    x = np.concatenate(keys)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (x ^ (x >> np.uint64(31))) & np.uint64(0xFFFFFFFF)


# datasketch's MinHash (scheme affine32, seed 1), computed here: a MinHash object draws its permutations
# again for each document and takes its hashes as a Python list, together over half the cost of a
# signature, and importing datasketch costs 0.5 s (its LSH loads scipy). The values are datasketch's, bit
# for bit (tests/test_dedup.py holds them and the permutations to datasketch's own).
def _permutations(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of each permutation h -> a * h + b mod 2**32, drawn as datasketch 2's
    MinHash._init_permutations draws them for scheme affine32 (a odd, so each is a bijection)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_PERMUTATIONS = _permutations()
# Shingles permuted at a time: 4 MB of uint32. All at once, a 16 MB page (the largest ingested) would take
# ~5 GB.
MINHASH_ROWS = 1 << 13
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, which datasketch's affine schemes apply to each hash first."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash_values(hashes: np.ndarray) -> np.ndarray:
    """What datasketch's MinHash(num_perm=NUM_PERM, scheme=SCHEME).update_batch(hashes) leaves in hashvalues:
    per permutation (a, b), the least a * fmix32(h) + b mod 2**32 over the hashes."""
    a, b = _PERMUTATIONS
    mixed = _fmix32(hashes.astype(np.uint32))
    least = _EMPTY.copy()
    for start in range(0, len(mixed), MINHASH_ROWS):    # bounded memory for a document of any length
        permuted = np.multiply.outer(mixed[start:start + MINHASH_ROWS], a)
        permuted += b
        np.minimum(least, permuted.min(axis=0), out=least)
    return least


def signature(doc: dict) -> list[int]:
    """MinHash of the document's restored text as plain ints (JSON-serialisable, same in every process)."""
    return minhash_values(shingle_hashes(fingerprint_text(doc))).tolist()


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(np.array(a, dtype=np.uint64) == np.array(b, dtype=np.uint64)))


# LSH banding: a document is a candidate copy of another when one of BANDS bands of ROWS consecutive
# signature values is equal in both. 18 x 7 is what datasketch's MinHashLSH chose for THRESHOLD 0.6 and
# 128 permutations (the least false positives + false negatives); the groups written since depend on it.
BANDS, ROWS = 18, 7
# Band keys of documents added since the last sorted run: a run is sorted once it holds this many.
PENDING_KEYS = 1 << 15


def _band_keys(values: np.ndarray) -> np.ndarray:
    """A 64-bit key of each band of a signature, the band's number mixed in (so keys of different bands
    differ); candidates are checked against the bands themselves, so a clash of keys changes nothing."""
    bands = values[:BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    key = np.arange(BANDS, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in bands.T:      # splitmix64's finaliser over (key ^ value), value after value
            key = key ^ column
            key = (key ^ (key >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            key = (key ^ (key >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            key = key ^ (key >> np.uint64(31))
    return key


class NearDuplicates:
    """Incremental LSH over signatures: add documents one at a time and learn their copies.

    Compact, because the ingesting process holds it for the whole corpus: each document is a row of
    one signature matrix (uint32 values) and its band keys live in a few sorted numpy runs of
    (key, row) merged as they grow, about 800 bytes a document where datasketch's MinHashLSH (a dict
    of bytes to a set per band, plus every band's bytes again per key) took over 10 KB."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self._row_of: dict[str, int] = {}
        self._doc_ids: list[str | None] = []         # by row; None once removed
        self._signatures = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []   # (sorted keys, their rows), largest first
        self._pending: dict[int, list[int]] = {}    # key -> rows, not yet in a run
        self._pending_keys = 0

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._row_of

    def __len__(self) -> int:
        return len(self._row_of)

    def add(self, doc_id: str, values) -> list[str]:
        """Add a document by its signature (ints or a uint64 array); return the ids already present that are
        its near-duplicates."""
        if doc_id in self._row_of:
            self.remove(doc_id)
        values = np.asarray(values, dtype=np.uint64)
        if len(values) != NUM_PERM:
            raise ValueError(f"签名长度应为 {NUM_PERM}，实为 {len(values)}")
        keys = _band_keys(values)
        copies = sorted(self._doc_ids[row] for row in self._copies(values, keys))
        self._store(doc_id, values, keys)
        return copies

    def _copies(self, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Rows sharing a whole band with `values` whose signatures agree on at least `threshold` of values."""
        rows, bands = [], []
        for keys_run, rows_run in self._runs:
            lo, hi = np.searchsorted(keys_run, keys, "left"), np.searchsorted(keys_run, keys, "right")
            for band in np.flatnonzero(hi > lo):
                rows.append(rows_run[lo[band]:hi[band]])
                bands.append(np.full(hi[band] - lo[band], band))
        for band, key in enumerate(keys.tolist()):
            found = self._pending.get(key)
            if found:
                rows.append(np.array(found))
                bands.append(np.full(len(found), band))
        if not rows:
            return np.zeros(0, dtype=np.int64)
        rows, bands = np.concatenate(rows), np.concatenate(bands)
        signatures = self._signatures[rows].astype(np.uint64)
        columns = bands[:, None] * ROWS + np.arange(ROWS)
        same_band = (np.take_along_axis(signatures, columns, axis=1) == values[columns]).all(axis=1)
        rows = np.unique(rows[same_band])
        rows = rows[[self._doc_ids[row] is not None for row in rows.tolist()]] if len(rows) else rows
        agree = (self._signatures[rows].astype(np.uint64) == values).mean(axis=1)
        return rows[agree >= self.threshold]

    def _store(self, doc_id: str, values: np.ndarray, keys: np.ndarray) -> None:
        row = len(self._doc_ids)
        if row == len(self._signatures):            # grow by half: amortised, and a spare half at most
            grown = np.zeros((max(1024, row + row // 2), NUM_PERM), dtype=self._signatures.dtype)
            grown[:row] = self._signatures
            self._signatures = grown
        if int(values.max()) >> 32 and self._signatures.dtype != np.uint64:
            self._signatures = self._signatures.astype(np.uint64)   # a signature of another hash scheme
        self._signatures[row] = values
        self._doc_ids.append(doc_id)
        self._row_of[doc_id] = row
        for key in keys.tolist():
            self._pending.setdefault(key, []).append(row)
        self._pending_keys += len(keys)
        if self._pending_keys >= PENDING_KEYS:
            self._sort_pending()

    def _sort_pending(self) -> None:
        keys = np.fromiter((key for key, rows in self._pending.items() for _ in rows), dtype=np.uint64)
        rows = np.fromiter((row for found in self._pending.values() for row in found), dtype=np.uint32)
        self._pending, self._pending_keys = {}, 0
        self._runs.append(self._sorted(keys, rows))
        # merge a run into the one before while it is at least half its size: a few runs of
        # doubling sizes, each key merged O(log n) times
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (keys_b, rows_b), (keys_a, rows_a) = self._runs.pop(), self._runs.pop()
            self._runs.append(self._sorted(np.concatenate([keys_a, keys_b]), np.concatenate([rows_a, rows_b])))

    @staticmethod
    def _sorted(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(keys, kind="stable")
        return keys[order], rows[order]

    def remove(self, doc_id: str) -> None:
        """Forget a document: its row stays in the runs, marked removed, and is never a copy again."""
        row = self._row_of.pop(doc_id, None)
        if row is not None:
            self._doc_ids[row] = None
