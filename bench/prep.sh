#!/bin/sh
# bench/prep.sh - ml-prep speed on a 1M-line generated ratings.dat, end to
# end (read, parse, build, write the stream), beside a plain awk pass over
# the same file; and on the same interactions as a shop's csv of string
# ids (customer c_00042, item sku-1: issue 26 asks 100 MB/s of it).  The
# machine may be shared: each command runs RUNS times (default 5) and both
# the best and the median wall-clock time are shown.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
runs=${RUNS:-5}
dir=${TMPDIR:-/tmp}/tt-bench-prep.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
ml-synth -r 1000209 >"$dir/ratings.dat"
bytes=$(wc -c <"$dir/ratings.dat")
lines=$(wc -l <"$dir/ratings.dat")
cat "$dir/ratings.dat" >/dev/null  # warm the page cache

timed() { # "best median" wall-clock seconds of "$@" over $runs runs
	i=0
	: >"$dir/secs"
	while [ "$i" -lt "$runs" ]; do
		t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
		echo "$t0 $t1" | awk '{ print $2 - $1 }' >>"$dir/secs"
		i=$((i + 1))
	done
	sort -g "$dir/secs" | awk '{ t[NR] = $1 } END { print t[1], t[int((NR + 1) / 2)] }'
}
p=$(timed ml-prep "$dir/ratings.dat")
a=$(timed awk -F'::' '{n++} END{print n}' "$dir/ratings.dat")
awk -F'::' 'BEGIN { print "customer,sku,rating,timestamp" }
	{ printf "c_%05d,sku-%d,%s,%s\n", $1, $2, $3, $4 }' "$dir/ratings.dat" >"$dir/shop.csv"
sbytes=$(wc -c <"$dir/shop.csv")
cat "$dir/shop.csv" >/dev/null
s=$(timed ml-prep --user-col customer --item-col sku "$dir/shop.csv")
echo "$bytes $lines $p $a $runs $sbytes $s" | awk '{
	printf "input: %d bytes, %d lines; %d runs each\n", $1, $2, $7
	printf "prep seconds: best %.3f median %.3f\n", $3, $4
	printf "prep MB/s: best %.1f median %.1f\n", $1 / $3 / 1e6, $1 / $4 / 1e6
	printf "prep lines/s: best %.0f median %.0f\n", $2 / $3, $2 / $4
	printf "awk MB/s: best %.1f median %.1f\n", $1 / $5 / 1e6, $1 / $6 / 1e6
	printf "string-id csv: %d bytes, the same lines\n", $8
	printf "string-id csv prep MB/s: best %.1f median %.1f\n", $8 / $9 / 1e6, $8 / $10 / 1e6 }'
if [ -x /usr/bin/time ]; then
	/usr/bin/time -v ml-prep "$dir/ratings.dat" 2>"$dir/time" >/dev/null
	awk -F': ' -v b="$bytes" '/Maximum resident/ {
		printf "prep peak RSS MB: %.1f (%.2f bytes per input byte)\n",
			$2 / 1024, $2 * 1024 / b }' "$dir/time"
fi
