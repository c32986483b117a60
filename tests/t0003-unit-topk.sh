#!/bin/sh
# top-K search, metrics, pop baseline (lib/topk.c, lib/metrics.c): see tests/unit/test_topk.c
. "$(dirname "$0")/run-unit.sh" test_topk
