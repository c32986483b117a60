#!/bin/sh
# C unit tests of lib/data/: ratings.c, build.c, side.c and prep.c.
. "$(dirname "$0")/run-unit.sh" test_prep
