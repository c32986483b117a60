#!/bin/sh
# bench/topk.sh [ITEMS.tts USERS.tts]: tt-topk against FAISS IndexFlatIP.
#  (a) the ML-1M shape: 6040 users x 3416 items, d=64, k=10, seen items
#      excluded (165 random ones a user), or the given streams;
#  (b) 1,000,000 random items x 10,000 queries, d=64, k=10, no exclusion.
# tt-topk's time is the whole process (reading both streams included),
# best of 3 for (a), one run for (b); "search alone" is lib/retrieval/topk.c's call
# with the vectors in memory, seen items excluded; FAISS's is its search
# call alone (vectors already in memory), without exclusion; 2 threads,
# same repeats.
# Both use 2 threads.  Prints "topk ml1m tt s: X" and the like.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
W=${TT_BENCH_DIR:-${TMPDIR:-/tmp}/tt-bench}
THREADS=2
mkdir -p "$W"
. "$top/bench/faiss.sh"

# seconds of the best of $1 runs of the rest of the command line
best_of() {
	n=$1; shift
	best=
	for i in $(seq "$n"); do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		best=$(awk -v s="$s" -v e="$e" -v b="$best" \
			'BEGIN { t = e - s; if (b == "" || t < b) b = t; printf "%.3f", b }')
	done
	echo "$best"
}

side_by_side() { # name items.tts users.tts repeat
	tt=$(best_of "$4" "$top/bin/tt-topk" -k 10 --threads $THREADS \
		--format tts "$2" "$3")
	echo "topk $1 tt s: $tt"
	se=$("$W/embed_tool" search "$2" "$3" 10 $THREADS "$4")
	echo "topk $1 tt search alone s: $se"
	echo "topk $1 faiss s: $(faiss_seconds "$2" "$3" "$4")"
}

if [ $# = 2 ]; then
	side_by_side ml1m "$1" "$2" 3
else
	"$W/embed_tool" random items 3416 64 1 0 "$W/ml1m-items.tts" "$W/tmp.f32"
	"$W/embed_tool" random users 6040 64 2 165/3416 "$W/ml1m-users.tts" \
		"$W/tmp.f32"
	side_by_side ml1m "$W/ml1m-items.tts" "$W/ml1m-users.tts" 3
fi
[ -f "$W/1M-items.tts" ] ||
	"$W/embed_tool" random items 1000000 64 3 0 "$W/1M-items.tts" "$W/tmp.f32"
[ -f "$W/1M-users.tts" ] ||
	"$W/embed_tool" random users 10000 64 4 0 "$W/1M-users.tts" "$W/tmp.f32"
side_by_side 1M "$W/1M-items.tts" "$W/1M-users.tts" 1
rm -f "$W/tmp.f32"
