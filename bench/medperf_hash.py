#!/usr/bin/env python3
"""MedPerf's dataset hash, single-threaded, as the baseline for bench/hash.sh.

Written for medperf from the algorithm's description (docs/datasets.md):
walk each folder with os.walk (symbolic links to folders are not followed),
sha256 every file in 64 KiB reads, sort the lowercase hex digests, and print
the sha256 of their concatenation as lowercase hex.

Usage: medperf_hash.py FOLDER [FOLDER ...]
"""
import hashlib
import os
import sys

CHUNK = 64 * 1024


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(CHUNK)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def folders_digest(folders):
    digests = []
    for folder in folders:
        for here, _dirs, names in os.walk(folder):
            for name in names:
                digests.append(file_digest(os.path.join(here, name)))
    total = hashlib.sha256()
    for d in sorted(digests):
        total.update(d.encode("utf-8"))
    return total.hexdigest()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: medperf_hash.py FOLDER [FOLDER ...]")
    print(folders_digest(sys.argv[1:]))
