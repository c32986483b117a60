#!/bin/sh
# top-K search, metrics, pop baseline (lib/retrieval/topk.c, metrics.c): see tests/unit/test_topk.c
. "$(dirname "$0")/run-unit.sh" test_topk
