#!/bin/sh
# bench/prep.sh - ml-prep parsing speed on a 1M-line generated ratings.dat,
# beside a plain awk pass over the same file.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${TMPDIR:-/tmp}/tt-bench-prep.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
ml-synth -r 1000209 >"$dir/ratings.dat"
bytes=$(wc -c <"$dir/ratings.dat")
lines=$(wc -l <"$dir/ratings.dat")
cat "$dir/ratings.dat" >/dev/null  # warm the page cache

secs() { # best of three wall-clock seconds of "$@"
	best=
	for i in 1 2 3; do
		t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
		best=$(echo "$t0 $t1 $best" | awk '{ d = $2 - $1; if ($3 != "" && $3 < d) d = $3; print d }')
	done
	echo "$best"
}
p=$(secs ml-prep "$dir/ratings.dat")
a=$(secs awk -F'::' '{n++} END{print n}' "$dir/ratings.dat")
echo "$bytes $lines $p $a" | awk '{
	printf "input: %d bytes, %d lines\n", $1, $2
	printf "prep seconds: %.3f\n", $3
	printf "prep MB/s: %.1f\n", $1 / $3 / 1e6
	printf "prep lines/s: %.0f\n", $2 / $3
	printf "awk MB/s: %.1f\n", $1 / $4 / 1e6 }'
if [ -x /usr/bin/time ]; then
	/usr/bin/time -v ml-prep "$dir/ratings.dat" 2>"$dir/time" >/dev/null
	awk -F': ' '/Maximum resident/ { printf "prep peak RSS MB: %.1f\n", $2 / 1024 }' "$dir/time"
fi
