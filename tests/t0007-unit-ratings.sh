#!/bin/sh
# C unit tests of lib/data/ratings.c: times, separators, columns, filters, records over lines.
. "$(dirname "$0")/run-unit.sh" test_ratings
