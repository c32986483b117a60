#!/bin/sh
# C unit tests of lib/ratings.c, lib/build.c, lib/side.c and lib/prep.c.
. "$(dirname "$0")/run-unit.sh" test_prep
