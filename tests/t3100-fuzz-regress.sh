#!/bin/sh
test_description='fuzz corpora and regressions through the programs'
. "$(dirname "$0")/test-lib.sh"

# Each file in tests/fuzz/corpus/TARGET/ and tests/fuzz/regress/TARGET/ is
# an input of the libFuzzer target TARGET (tests/fuzz/TARGET.c): a mode
# byte or two, then the data.  Here the same input goes to the program
# that reads such data: tt-dump for fuzz_tts, ml-prep for fuzz_ratings,
# tt-embed for fuzz_model, ml-prep --items/--users/--item-map for
# fuzz_side, and for fuzz_streams by its reader: tt-batch (prep), tt-fit
# (batches), tt-topk (users, items) and tt-topk --merge (recs), the other
# stream taken from the seeds.  Seeds must be accepted (exit 0); regressions, the inputs that
# once crashed a target, must end in a clean exit (0 or an error, exit
# 1..125), never a signal.  Under VALGRIND=1 or SANITIZE=1 the programs are
# checked for memory errors too.
FUZZ="$TOP/tests/fuzz"

mode() { od -An -tu1 -N1 "$1" | tr -d ' '; }
mode2() { od -An -tu1 -j1 -N1 "$1" | tr -d ' '; }

# body FILE SKIP COMPRESS: the data after SKIP mode bytes, zstd-compressed
# when COMPRESS is 1 (the target compresses raw record bytes itself).
body() {
	if [ "$3" = 1 ]; then
		tail -c +$(($2 + 1)) "$1" | zstd -q -c
	else
		tail -c +$(($2 + 1)) "$1"
	fi
}

printf "1 1\n1 2\n1 3\n" >ratings.txt
body "$FUZZ/corpus/fuzz_streams/items-3" 1 0 >items.tts
body "$FUZZ/corpus/fuzz_streams/users-2" 1 0 >users.tts
printf "1::One (1990)::Drama\n2::Two (1991)::Comedy\n3::Three::\n" >movies.dat

# run_input TARGET FILE: runs the program for FILE; its exit status.
run_input() {
	m=$(mode "$2")
	case $1 in
	fuzz_tts)
		body "$2" 1 $((m & 1)) >in.tts &&
		tt-dump in.tts >/dev/null 2>err ;;
	fuzz_model)
		body "$2" 1 $((m & 1)) >in.bin &&
		tt-embed in.bin >/dev/null 2>err ;;
	fuzz_ratings)
		set -- "$2"
		fmt=$((m & 7)) &&
		case $fmt in
		0) set -- "$@" ;;
		1) set -- "$@" --format dat ;;
		2) set -- "$@" --format tsv ;;
		3) set -- "$@" --format csv ;;
		4) set -- "$@" --format seq ;;
		*) return 0 ;; # the target skips these too
		esac
		[ $((m & 8)) = 0 ] || set -- "$@" --skip-bad
		[ $((m & 16)) = 0 ] || set -- "$@" --user-col u --item-col i --rating-col r --time-col t
		f=$1; shift
		body "$f" 2 0 >in.txt &&
		ml-prep "$@" in.txt >/dev/null 2>err ;;
	fuzz_side)
		body "$2" 1 0 >in.side &&
		case $((m % 3)) in
		0) ml-prep --items in.side ratings.txt >/dev/null 2>err ;;
		1) ml-prep --users in.side ratings.txt >/dev/null 2>err ;;
		2) ml-prep --items movies.dat --item-map in.side ratings.txt >/dev/null 2>err ;;
		esac ;;
	fuzz_streams)
		body "$2" 1 $(((m >> 3) & 1)) >in.tts &&
		case $((m & 7)) in
		0) tt-batch in.tts >/dev/null 2>err ;;
		1) tt-fit --dim 4 --hidden 4 --blocks 1 --threads 1 in.tts >/dev/null 2>err ;;
		2) tt-topk -k 3 items.tts in.tts >/dev/null 2>err ;;
		3) tt-topk -k 3 in.tts users.tts >/dev/null 2>err ;;
		4) tt-topk -k 3 --merge items.tts in.tts >/dev/null 2>err ;;
		*) return 0 ;;
		esac ;;
	esac
}

for target in fuzz_tts fuzz_model fuzz_ratings fuzz_side fuzz_streams; do
	test_expect_success "$target: every seed is accepted" '
		n=0 &&
		for f in "$FUZZ/corpus/$target"/*; do
			n=$((n + 1))
			run_input $target "$f" ||
				{ echo "$f: exit $?" >&2; cat err >&2; return 1; }
		done &&
		test $n -gt 0
	'
	test_expect_success "$target: every regression ends cleanly" '
		for f in "$FUZZ/regress/$target"/*; do
			test -e "$f" || continue
			run_input $target "$f"
			code=$?
			if [ $code -gt 125 ]; then
				echo "$f: died with $code" >&2; cat err >&2; return 1
			fi
		done
	'
done

test_done
