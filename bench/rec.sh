#!/bin/sh
# bench/rec.sh [FILE] - tt-rec's latency per query through a pipe, after
# loading: the default model (trained for REC_STEPS steps, 200 by default:
# the time of a query depends on the model's shape, not its quality) on
# ../shared/data/ml-1m (or ml-synth data of its shape), queried with the
# last 50 items of 1000 users' histories, one at a time, each answer read
# before the next history is written.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${TMPDIR:-/tmp}/tt-bench-rec.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

. "$top/bench/ml1m.sh"

tt-fit --max-steps "${REC_STEPS:-200}" -o "$dir/model.bin" "$dir/ml.tts" 2>"$dir/err" ||
	{ cat "$dir/err" >&2; exit 1; }
echo "items: $(tt-dump "$dir/model.bin" | sed -n 's/^ *items=//p' | head -1)"
awk 'function out(  s, i) {
		if (n && users++ < 1000) {
			for (i = n > 50 ? n - 49 : 1; i <= n; i++) s = s " " h[i]
			print substr(s, 2)
		}
		n = 0
	}
	$1 != u { out(); u = $1 } { h[++n] = $2 } END { out() }' \
	"$data" >"$dir/histories"
/usr/bin/python3 "$top/bench/rec_driver.py" "$dir/histories" tt-rec -k 10 "$dir/model.bin"
