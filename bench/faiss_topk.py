#!/usr/bin/python3
"""faiss_topk.py ITEMS.f32 USERS.f32 D K [REPEAT]: seconds of FAISS
IndexFlatIP search (2 OpenMP threads) of every user vector over the items,
best of REPEAT runs; the vectors are raw little-endian float32 (n, D) as
bench/embed_tool writes them.  Prints the seconds, and the index of the
first user's best item on stderr, for a sanity check against tt-topk."""
import sys
import time

import faiss
import numpy as np


def main():
    items_path, users_path, d, k = sys.argv[1:5]
    repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    d, k = int(d), int(k)
    faiss.omp_set_num_threads(2)
    items = np.fromfile(items_path, dtype="<f4").reshape(-1, d)
    users = np.fromfile(users_path, dtype="<f4").reshape(-1, d)
    index = faiss.IndexFlatIP(d)
    index.add(items)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        _, ids = index.search(users, k)
        best = min(best, time.perf_counter() - start)
    print(f"faiss first user best item index: {ids[0][0]}", file=sys.stderr)
    print(f"{best:.3f}")


if __name__ == "__main__":
    main()
