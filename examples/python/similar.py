#!/usr/bin/python3
"""Movies similar to a given one, by cosine of the item tower's vectors.

    tt-embed model.bin > items.tts
    tt-dump --npy items items.tts
    python3 examples/python/similar.py items "Toy Story"
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tts  # noqa: E402

d = sys.argv[1] if len(sys.argv) > 1 else "items"
query = sys.argv[2] if len(sys.argv) > 2 else "Toy Story"
recs = tts.load_npy(d)
vectors = recs["vectors"]                              # (N, D) float32
titles = recs["titles"].split("\n")
unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
hits = [i for i, t in enumerate(titles) if query.lower() in t.lower()]
if not hits:
    sys.exit(f"similar.py: no title contains {query!r}")
i = hits[0]
scores = unit @ unit[i]
print(f"like {titles[i]}:")
for j in np.argsort(-scores)[1:11]:
    print(f"  {scores[j]:.3f}  {titles[j]}")
