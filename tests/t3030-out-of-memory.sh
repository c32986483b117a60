#!/bin/sh
test_description='out of memory: every message names what and how many bytes; error paths free what they own'
. "$(dirname "$0")/test-lib.sh"

test_pipeline || exit 1

# failbig.so: malloc, calloc and realloc of $FAIL_BYTES bytes or more
# fail, as they would under a memory limit, whoever asks.
cat >failbig.c <<-\EOF
#include <errno.h>
#include <stdlib.h>
extern void *__libc_malloc(size_t), *__libc_calloc(size_t, size_t), *__libc_realloc(void *, size_t);
static int too_big(size_t n)
{
	const char *s = getenv("FAIL_BYTES");
	if (s && n >= strtoull(s, NULL, 10)) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}
void *malloc(size_t n) { return too_big(n) ? NULL : __libc_malloc(n); }
void *calloc(size_t k, size_t n) { return too_big(k * n) ? NULL : __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { return too_big(n) ? NULL : __libc_realloc(p, n); }
EOF
# ASan and valgrind bring their own malloc.
[ "$VALGRIND" = 1 ] ||
	case $(cat "$TOP/bin/.mode" 2>/dev/null) in
	opt*) ${CC:-cc} -shared -fPIC -o failbig.so failbig.c 2>/dev/null && test_set_prereq FAILBIG ;;
	esac
failbig() {
	bytes=$1
	shift
	FAIL_BYTES=$bytes LD_PRELOAD="$SCRATCH/failbig.so" timeout -k 5 120 "$@"
}

# (The programs that use BLAS ask for its buffers, over 100 MB, first.)
test_expect_success FAILBIG 'a stream reader that cannot have its buffers: named, with the size' '
	for cmd in "tt-dump prep.tts" "tt-batch prep.tts" "tt-eval prep.tts recs.tts"; do
		failbig 1000000 $cmd >/dev/null 2>err; code=$?
		test $code = 1 || { echo "$cmd: exit $code" >&2; return 1; }
		test_grep "^[a-z-]+: out of memory for a stream reader \([0-9.]+ MB\)$" err || return 1
	done
'

test_expect_success FAILBIG 'ml-prep and ml-synth: the buffer, the parser, the data set, with sizes' '
	failbig 1000000 ml-prep r.txt >/dev/null 2>err; test $? = 1 &&
	test_grep "^ml-prep: r.txt: out of memory for a read buffer of 1048576 bytes$" err &&
	failbig 1000 ml-prep r.txt >/dev/null 2>err; test $? = 1 &&
	test_grep "^ml-prep: out of memory for the ratings parser \([0-9]+ bytes\)$" err &&
	failbig 100000 ml-synth --users 1000 --items 500 --ratings 100000 >/dev/null 2>err; test $? = 1 &&
	test_grep "^ml-synth: out of memory for 1000 users, 500 items and 100000 ratings \([0-9.]+ MB\)$" err
'

test_expect_success FAILBIG 'whatever allocation fails first, the message names a size' '
	for bytes in 100000000 10000000 1000000 100000 10000; do
		for cmd in "tt-dump prep.tts" "ml-prep --items movies.dat r.txt" "tt-batch prep.tts" \
			"tt-fit -t 1 --max-steps 2 --dim 8 --hidden 8 --history 10 --blocks 1 prep.tts" \
			"tt-embed model.bin" "tt-embed --users model.bin prep.tts" \
			"tt-topk -k 10 items.tts users.tts" "tt-eval prep.tts recs.tts" \
			"tt-eval --baseline pop --baseline genre prep.tts" "tt-rec model.bin 1 2 3"; do
			failbig $bytes $cmd >/dev/null 2>err; code=$?
			test $code = 0 && continue
			test $code = 1 || { echo "$cmd at $bytes: exit $code" >&2; return 1; }
			grep -v "^tt-fit: item features" err >last &&
			test_grep "out of memory for .*(\([0-9.]+ MB\)|[0-9]+ bytes\)?)$" last || return 1
		done
	done
'

# ---- leaks on error paths ----

command -v valgrind >/dev/null && [ "$VALGRIND" != 1 ] &&
	case $(cat "$TOP/bin/.mode" 2>/dev/null) in opt*) test_set_prereq MEMCHECK ;; esac
# memcheck as VALGRIND=1 runs it (tests/valgrind.sh)
. "$TEST_DIR/valgrind.sh"
memcheck() { env $vg_env valgrind $vg_flags "$@"; }

test_expect_success MEMCHECK 'tt-fit --init with a bad model, or a bad input: nothing leaked' '
	zstd -q -dc model.bin | sed "s/^dropout=.*$/dropout=nan/" | zstd -q -c >dnan.bin &&
	head -c 3000 model.bin >cut.bin &&
	head -c 20000 prep.tts >cut.tts &&
	for args in "--init dnan.bin prep.tts" "--init cut.bin prep.tts" "--init items.tts prep.tts" \
		"cut.tts" "items.tts"; do
		memcheck tt-fit -t 1 --max-steps 1 $args >/dev/null 2>err; code=$?
		test $code = 1 || { echo "tt-fit $args: exit $code" >&2; cat err >&2; return 1; }
	done
'

test_done
