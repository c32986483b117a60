#!/bin/sh
# C unit tests of lib/retrieval/metrics.c: several targets a user.
. "$(dirname "$0")/run-unit.sh" test_metrics
