"""Near-duplicate speeches: MinHash fingerprints of the restored text and LSH grouping.

The same speech turns up on many sites, spun or not. Fingerprints are taken over the de-spun text,
in Simplified characters, without punctuation or spaces, as the set of its 2- and 3-character
shingles: a spun copy and its original then score ~1.0, unrelated speeches on the same topic ~0.13.
"""
import numpy as np
from datasketch import MinHash, MinHashLSH

from ingest.text import NOT_TEXT_RE, to_simplified

NUM_PERM = 128
SCHEME = "affine32"          # named explicitly: stored signatures must stay comparable across datasketch releases
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
    """32-bit hashes of the distinct 2- and 3-character shingles of `text`."""
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
    x = np.unique(np.concatenate(keys))
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (x ^ (x >> np.uint64(31))) & np.uint64(0xFFFFFFFF)


def _minhash(hashes: np.ndarray) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashfunc=int)
    minhash.update_batch(hashes.tolist())
    return minhash


def signature(doc: dict) -> list[int]:
    """MinHash of the document's restored text as plain ints (JSON-serialisable, same in every process)."""
    return [int(value) for value in _minhash(shingle_hashes(fingerprint_text(doc))).hashvalues]


def _from_signature(values: list[int]) -> MinHash:
    return MinHash(num_perm=NUM_PERM, hashvalues=np.array(values, dtype=np.uint64), scheme=SCHEME)


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(np.array(a, dtype=np.uint64) == np.array(b, dtype=np.uint64)))


class NearDuplicates:
    """Incremental LSH over signatures: add documents one at a time and learn their copies."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures = {}

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._signatures

    def __len__(self) -> int:
        return len(self._signatures)

    def add(self, doc_id: str, values) -> list[str]:
        """Add a document by its signature (ints or a uint64 array); return the ids already present that are
        its near-duplicates."""
        if doc_id in self._signatures:
            self.remove(doc_id)
        # kept as a numpy array: 1 KB a document where a list of 128 ints took 5 (140 MB at 1M paragraphs)
        values = np.asarray(values, dtype=np.uint64)
        minhash = _from_signature(values)
        copies = sorted(other for other in self._lsh.query(minhash)
                        if similarity(values, self._signatures[other]) >= self.threshold)
        self._lsh.insert(doc_id, minhash)
        self._signatures[doc_id] = values
        return copies

    def remove(self, doc_id: str) -> None:
        if self._signatures.pop(doc_id, None) is not None:
            self._lsh.remove(doc_id)
