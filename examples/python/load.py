#!/usr/bin/python3
"""Load any tt stream into numpy through tt-dump --npy.

    python3 examples/python/load.py ml.tts
"""
import os
import subprocess
import sys
import tempfile
import numpy as np


def load(path):
    """Every record of the stream at path, as {name: array}; text as str."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["tt-dump", "--npy", d, path], check=True)
        out = {}
        for f in sorted(os.listdir(d)):
            a = np.load(os.path.join(d, f))
            name = f[:-4]
            out[name] = bytes(a).decode() if name in ("meta", "titles") else a
        return out


if __name__ == "__main__":
    for name, a in load(sys.argv[1]).items():
        shape = "text" if isinstance(a, str) else f"{a.dtype} {a.shape}"
        print(f"{name:16} {shape}")
