#!/bin/sh
. "$(dirname "$0")/run-unit.sh" test_bf16
