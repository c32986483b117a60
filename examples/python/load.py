#!/usr/bin/python3
"""Load any tt stream into numpy through tt-dump --npy.

    python3 examples/python/load.py ml.tts

tts.py beside it is the reader: tts.load(path) gives every record as
{name: array}, meta and titles as str; tts.records() reads the records
of the stream's bytes themselves.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tts import load  # noqa: E402,F401  (load.load, as before)


if __name__ == "__main__":
    for name, a in load(sys.argv[1]).items():
        shape = "text" if isinstance(a, str) else f"{a.dtype} {a.shape}"
        print(f"{name:16} {shape}")
