# test-lib.sh - git-style TAP helpers for the CLI tests.  Usage:
#   test_description='...'
#   . ./test-lib.sh
#   test_expect_success 'what' '
#       cmd && test_cmp expect actual
#   '
#   test_done
# Each script runs in its own scratch directory, tests/scratch/NAME/.
# Programs come from bin/; with VALGRIND=1 they run under memcheck.

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$TEST_DIR/.." && pwd)
SHARED=${TT_SHARED:-$TOP/../shared}
ML1M="$SHARED/data/ml-1m"
AMAZON="$SHARED/data/amazon"
PATH="$TOP/bin:$PATH"
# the tests' Python reads and writes streams by examples/python/tts.py
PYTHONPATH="$TOP/examples/python${PYTHONPATH:+:$PYTHONPATH}"
export PATH PYTHONPATH LC_ALL=C
unset TT_THREADS

test_name=$(basename "$0" .sh)
SCRATCH="$TOP/tests/scratch/$test_name"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH" && cd "$SCRATCH" || exit 1

test_count=0
test_failed=0
test_skipped=0

if [ "$VALGRIND" = 1 ]; then
	mkdir -p "$SCRATCH/.vg"
	. "$TEST_DIR/valgrind.sh"
	for p in "$TOP"/bin/*; do
		n=$(basename "$p")
		cat >"$SCRATCH/.vg/$n" <<VG
#!/bin/sh
${vg_env}exec valgrind $vg_flags "$p" "\$@"
VG
		chmod +x "$SCRATCH/.vg/$n"
	done
	PATH="$SCRATCH/.vg:$PATH"
fi

# Prerequisites: test_set_prereq NAME; test_expect_success NAME 'title' 'code'
test_set_prereq() { eval "prereq_$1=1"; }
test_have_prereq() { eval "[ -n \"\$prereq_$1\" ]"; }

command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import numpy' 2>/dev/null && test_set_prereq NUMPY
[ -f "$ML1M/ml-1m.txt" ] && test_set_prereq ML1M
[ -f "$AMAZON/Toys_and_Games.txt" ] && [ -f "$AMAZON/Sports_and_Outdoors.txt" ] && test_set_prereq AMAZON

test_ok_() { test_count=$((test_count + 1)); echo "ok $test_count - $1"; }
test_failure_() {
	test_count=$((test_count + 1)); test_failed=$((test_failed + 1))
	echo "not ok $test_count - $1"
	shift
	printf '%s\n' "$*" | sed -e 's/^/#	/'
}

test_run_() {
	( eval "$1" ) >"$SCRATCH/.out" 2>&1
}

test_expect_success() {
	if [ $# = 3 ]; then
		if ! test_have_prereq "$1"; then
			test_count=$((test_count + 1)); test_skipped=$((test_skipped + 1))
			echo "ok $test_count # skip $2 (missing $1)"
			return
		fi
		shift
	fi
	if test_run_ "$2"; then
		test_ok_ "$1"
	else
		test_failure_ "$1" "$2"
		sed -e 's/^/#	/' "$SCRATCH/.out"
	fi
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" = 0 ]
	exit $?
}

# Helpers used inside tests.
test_cmp() { diff -u "$1" "$2"; }

# The command must fail in a controlled way: exit 1..125, not a signal.
test_must_fail() {
	"$@"
	code=$?
	if [ $code = 0 ]; then echo "test_must_fail: command succeeded: $*" >&2; return 1; fi
	if [ $code -gt 125 ]; then echo "test_must_fail: died with $code: $*" >&2; return 1; fi
	return 0
}

# wait_until 'CONDITION': polls every 0.1 s, gives up after 10 minutes
# (valgrind is slow) so that a broken program fails the test, not hangs it.
wait_until() {
	n=0
	until eval "$1"; do
		n=$((n + 1))
		test $n -lt 6000 || { echo "gave up waiting for: $1" >&2; return 1; }
		sleep 0.1
	done
}

# The file must contain the pattern (grep -E).
test_grep() { grep -E -e "$1" "$2" || { echo "no '$1' in $2:" >&2; cat "$2" >&2; return 1; }; }

# The small model most tests train, a second or less on the data below.
TINY="--dim 8 --hidden 8 --history 10 --blocks 1 --batch 16 --threads 1"

# test_pipeline [--ratings FILE] [--prep FILE] [--plain] [--to STAGE]
#               [TT-FIT-OPTION...]
# The generated data set the tests share and the pipeline over it, up to
# STAGE (prep, model, embed, or recs by default), into the scratch directory:
#   ml-synth, 200 users, 150 items, 8000 ratings, seed 5   r.txt, movies.dat
#   ml-prep --items movies.dat (--plain: no side data)    prep.tts
#   tt-fit with the options given ($TINY --max-steps 5)   model.bin
#   tt-embed, tt-embed --users                            items.tts, users.tts
#   tt-topk -k 10 --format tts                            recs.tts
# --ratings and --prep name the first two files otherwise.  What the
# programs say goes to .pipeline.err, shown when one of them fails.
test_pipeline() {
	tp_ratings=r.txt tp_prep=prep.tts tp_items="--items movies.dat" tp_to=recs
	while [ $# -gt 0 ]; do
		case $1 in
		--ratings) tp_ratings=$2; shift 2 ;;
		--prep) tp_prep=$2; shift 2 ;;
		--plain) tp_items=; shift ;;
		--to) tp_to=$2; shift 2 ;;
		*) break ;;
		esac
	done
	case $tp_to in
	prep|model|embed|recs) ;;
	*) echo "test_pipeline: --to $tp_to: not prep, model, embed or recs" >&2; return 2 ;;
	esac
	[ $# -gt 0 ] || set -- $TINY --max-steps 5
	test_pipeline_ "$@" 2>"$SCRATCH/.pipeline.err" ||
		{ echo "test_pipeline: failed:" >&2; cat "$SCRATCH/.pipeline.err" >&2; return 1; }
}
test_pipeline_() {
	ml-synth --users 200 --items 150 --ratings 8000 --seed 5 --movies movies.dat >"$tp_ratings" &&
	ml-prep $tp_items "$tp_ratings" >"$tp_prep" || return
	[ $tp_to = prep ] && return
	tt-fit "$@" "$tp_prep" >model.bin || return
	[ $tp_to = model ] && return
	tt-embed model.bin >items.tts &&
	tt-embed --users model.bin "$tp_prep" >users.tts || return
	[ $tp_to = embed ] && return
	tt-topk -k 10 --format tts items.tts users.tts >recs.tts
}
