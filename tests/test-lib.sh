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
export PATH LC_ALL=C
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
