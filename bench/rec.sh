#!/bin/sh
# bench/rec.sh [FILE] - tt-rec serving one client through a pipe, after
# loading: queries per second and latency per query (median, p90, p99) at
# 1 and 2 threads, for the default model (trained for REC_STEPS steps, 200
# by default: a query's time depends on the model's shape, not its
# quality) on ../shared/data/ml-1m (or ml-synth data of its shape), and
# for a model of a million items (ml-synth data, REC_BIG_STEPS steps, 5 by
# default).  Queries: the last 50 items of 1000 users' histories, one at a
# time, each answer read before the next history is written.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${TMPDIR:-/tmp}/tt-bench-rec.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

. "$top/bench/ml1m.sh"

# The histories of seq data (user item per line): the last 50 items of
# the first 1000 users.
histories() {
	awk 'function out(  s, i) {
			if (n && users++ < 1000) {
				for (i = n > 50 ? n - 49 : 1; i <= n; i++) s = s " " h[i]
				print substr(s, 2)
			}
			n = 0
		}
		$1 != u { out(); u = $1 } { h[++n] = $2 } END { out() }' "$1"
}

serve() { # NAME MODEL HISTORIES
	echo "$1 items: $(tt-dump "$2" | sed -n 's/^ *items=//p' | head -1)"
	for t in 1 2; do
		/usr/bin/python3 "$top/bench/rec_driver.py" "$3" "$1, $t threads," \
			tt-rec -t $t -k 10 "$2"
	done
}

tt-fit --max-steps "${REC_STEPS:-200}" -o "$dir/model.bin" "$dir/ml.tts" 2>"$dir/err" ||
	{ cat "$dir/err" >&2; exit 1; }
histories "$data" >"$dir/histories"
serve ml1m "$dir/model.bin" "$dir/histories"

ml-synth --format seq -u 20000 -i 1000000 -r 3000000 >"$dir/big.txt"
ml-prep --split none "$dir/big.txt" >"$dir/big.tts"
tt-fit --max-steps "${REC_BIG_STEPS:-5}" -o "$dir/big.bin" "$dir/big.tts" 2>"$dir/err" ||
	{ cat "$dir/err" >&2; exit 1; }
histories "$dir/big.txt" >"$dir/big_histories"
serve "1M items" "$dir/big.bin" "$dir/big_histories"
