#!/bin/sh
test_description='lib/stream: the reader and the writer need nothing of each other; the header checks they share are a part of their own'
. "$(dirname "$0")/test-lib.sh"

# "MEMBER SYMBOL": the symbols member $1 of libtt.a uses that member $2 defines.
uses_of() {
	nm -A "$TOP/lib/libtt.a" >symbols &&
	sed -n "s/^.*:$1: *U \(.*\)\$/\1/p" symbols | sort >used &&
	sed -n "s/^.*:$2: *[0-9a-f]* [TDRB] \(.*\)\$/\1/p" symbols | sort >defined &&
	comm -12 used defined
}

test_expect_success 'the members are there: reader, writer, header checks, copy' '
	nm -A "$TOP/lib/libtt.a" >symbols &&
	for m in tts_read.o tts_write.o tts_header.o tts_copy.o; do
		grep -q ":$m:" symbols || { echo "no $m"; return 1; }
	done
'

test_expect_success 'tts_read.o uses nothing of tts_write.o, nor the other way round' '
	uses_of tts_read.o tts_write.o >read_write &&
	test_cmp /dev/null read_write &&
	uses_of tts_write.o tts_read.o >write_read &&
	test_cmp /dev/null write_read
'

test_expect_success 'both use the header checks of tts_header.o' '
	uses_of tts_read.o tts_header.o >r && test_grep "^tts_shape_problem\$" r &&
	uses_of tts_write.o tts_header.o >w && test_grep "^tts_shape_problem\$" w
'

test_expect_success 'the check can fail: tts_copy.o uses both' '
	uses_of tts_copy.o tts_read.o >c && test_grep "^tts_read_data\$" c &&
	uses_of tts_copy.o tts_write.o >c && test_grep "^tts_write_data\$" c
'

test_done
