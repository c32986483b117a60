#!/bin/sh
# C unit tests of lib/data/ids.c: string ids' hash, their dictionary, their names records.
. "$(dirname "$0")/run-unit.sh" test_ids
