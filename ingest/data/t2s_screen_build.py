"""Rebuild t2s_screen.tsv: what a text must hold for OpenCC's t2s conversion to change it.

Run by hand after an OpenCC upgrade (ingest.prefilter stops screening when the installed version is not
the one written in the file, so a stale file costs speed, never a wrong conversion):
    .venv/bin/python ingest/data/t2s_screen_build.py > ingest/data/t2s_screen.tsv
The dictionaries of t2s.json (its normalisation and conversion chain) are dumped as text by the
opencc_dict tool shipped in the opencc wheel. Every entry whose first value differs from its key can
change a text; to match, the text holds all of the key. So a text holding none of the `char` lines
(characters that t2s changes on their own) and none of the `phrase` lines (changing keys without such a
character: 沈思 -> 沉思, 瞭解 -> 了解, whose characters are Simplified ones too) comes out unchanged. Each
such phrase holds a character that is a key of its own (沈 -> 沈 沉): the `phrase_char` lines.
"""
import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import opencc

SHARE = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
OPENCC_DICT = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"


def _dictionary_files(config: dict) -> list[str]:
    files = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return files


def entries() -> list[tuple[str, str]]:
    """(key, first value) of every entry of the t2s dictionaries."""
    found = []
    config = json.loads((SHARE / "t2s.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        for name in _dictionary_files(config):
            out = Path(tmp) / f"{name}.txt"
            subprocess.run([str(OPENCC_DICT), "-i", str(SHARE / name), "-o", str(out), "-f", "ocd2", "-t", "text"],
                           check=True, capture_output=True)
            for line in out.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                if key:
                    found.append((key, values.split(" ")[0]))
    return found


def screen() -> list[tuple[str, str]]:
    """The file's entries: ("opencc", version), ("char", c) for each character t2s changes alone,
    ("phrase", key) for each changing key holding none of them, ("phrase_char", c) for the dictionaries'
    single-character keys those phrases hold (沈 of 沈思, 瞭 of 瞭解: a cheap scan before the phrases)."""
    converter = opencc.OpenCC("t2s")
    found = entries()
    keys = sorted({key for key, _ in found if len(key) == 1})
    chars = [key for key, converted in zip(keys, converter.convert("\n".join(keys)).split("\n")) if converted != key]
    changed = set(chars)
    phrases = sorted({key for key, value in found if len(key) > 1 and value != key and not changed & set(key)})
    phrase_chars = sorted({char for phrase in phrases for char in phrase if char in keys})
    assert all(set(phrase) & set(phrase_chars) for phrase in phrases), "a phrase without a dictionary character"
    return [("opencc", metadata.version("opencc")), *(("char", c) for c in chars), *(("phrase", p) for p in phrases),
            *(("phrase_char", c) for c in phrase_chars)]


HEADER = """# What a text must hold for OpenCC's t2s conversion to change it (read by ingest/prefilter.py).
# kind<TAB>value: opencc = the version these were read from (another installed version: no screening);
# char = a character t2s changes on its own; phrase = a changing dictionary key holding no such character;
# phrase_char = a single-character dictionary key such a phrase holds (沈 of 沈思), scanned before the phrases.
# Generated from OpenCC's own dictionaries by ingest/data/t2s_screen_build.py: do not edit by hand."""


if __name__ == "__main__":
    sys.stdout.write(HEADER + "\n" + "".join(f"{kind}\t{value}\n" for kind, value in screen()))
