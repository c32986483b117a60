#!/bin/sh
# tensor streams (lib/tts.c): see tests/unit/test_tts.c
. "$(dirname "$0")/run-unit.sh" test_tts
