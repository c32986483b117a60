#!/bin/sh
# tensor streams (lib/stream/tts_*.c): see tests/unit/test_tts.c
. "$(dirname "$0")/run-unit.sh" test_tts
