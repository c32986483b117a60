#!/bin/sh
# scale.sh - the pipeline on catalogs far beyond ML-1M, with the default
# options everywhere: ml-synth data of ML-25M's shape (162,541 users,
# 59,047 items, 25,000,095 ratings) and of a million items (100,000 users,
# 10,000,000 ratings).  For each: ml-prep seconds and peak RSS; tt-fit's
# examples/s (its log, one model on all, --max-steps chosen so a run takes
# about SCALE_SECONDS, default 60, after a 5-step probe) and peak RSS, as a
# ratio to its examples/s on ml-1m.txt in the same run, and the minutes an
# epoch would take at that rate; tt-embed seconds for items and for users;
# tt-topk seconds (the whole process: reading both streams, every user,
# k 10, seen items excluded) beside FAISS IndexFlatIP's search call alone
# on the same vectors.  Peak RSS from /usr/bin/time, of every stage.
#   sh bench/scale.sh [ml-1m.txt]
# SCALE_SETS overrides the data sets, as "name:USERSxITEMSxRATINGS ...";
# FIT_STEPS fixes the training steps instead of the probe.  The generated
# files are kept in $TT_BENCH_DIR/scale (default $TMPDIR/tt-bench/scale)
# and reused.  With the full softmax, about 35 minutes on 2 busy cores,
# most of it tt-fit, tt-topk and FAISS on the million items.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
W=${TT_BENCH_DIR:-${TMPDIR:-/tmp}/tt-bench}
mkdir -p "$W/scale"
dir=$(mktemp -d "${TMPDIR:-/tmp}/tt-scale.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
sets=${SCALE_SETS:-"ml25m:162541x59047x25000095 1M-items:100000x1000000x10000000"}
seconds=${SCALE_SECONDS:-60}
[ -x /usr/bin/time ] || { echo "bench/scale.sh: needs /usr/bin/time" >&2; exit 1; }
. "$top/bench/faiss.sh"

# measured NAME COMMAND...: run it, its standard output to $dir/NAME.out;
# "seconds MB" of wall clock and peak RSS to $dir/NAME.time
measured() {
	m=$dir/$1
	shift
	/usr/bin/time -f '%e %M' -o "$m.time" "$@" >"$m.out" 2>"$m.err" || {
		tail -3 "$m.err" >&2; return 1; }
	awk '{ printf "%.1f %.0f\n", $1, $2 / 1024 }' "$m.time" >"$m.sm"
	read -r secs mb <"$m.sm"
	echo "$mb" >>"$dir/rss"
}

# One model on every set, so that only the catalogue differs: ML-1M's
# dense defaults (the million items, 10 examples an item, would get the
# sparse ones) and the sampled softmax (the default past 6,000 items;
# ML-1M's 3,416 get the full one, whose cost grows with the catalogue).
model="--loss sampled --dim 64 --blocks 2 --heads 2 --dropout 0.1 --lr-schedule linear"
# fit NAME PREP: tt-fit for about $seconds; sets rate
# (examples/s of its log), steps, secs and mb; the model in $dir/NAME-fit.out
fit() {
	steps=${FIT_STEPS:-}
	if [ -z "$steps" ]; then
		tt-fit $model --max-steps 5 --log "$dir/$1-probe.tsv" "$2" >/dev/null
		steps=$(awk -F'\t' -v s="$seconds" 'END {
			n = int(s * $2 / $7); print n < 5 ? 5 : n }' "$dir/$1-probe.tsv")
	fi
	measured "$1-fit" tt-fit $model --max-steps "$steps" --log "$dir/$1.tsv" "$2"
	rate=$(awk -F'\t' 'END { print $6 }' "$dir/$1.tsv")
}

. "$top/bench/ml1m.sh"
fit ml1m "$dir/ml.tts"
ml1m_rate=$rate
echo "ml-1m.txt tt-fit examples/s ($steps steps): $ml1m_rate"

for set in $sets; do
	name=${set%%:*}
	shape=${set#*:}
	users=${shape%%x*}
	items=${shape#*x}
	items=${items%%x*}
	ratings=${shape##*x}
	data=$W/scale/$name-$shape.txt
	gen=
	if [ ! -f "$data" ]; then
		t0=$(date +%s)
		ml-synth --format seq --users "$users" --items "$items" \
			--ratings "$ratings" -o "$data.tmp"
		mv "$data.tmp" "$data"
		gen=", generated in $(($(date +%s) - t0)) s"
	fi
	echo "$name data: ml-synth --users $users --items $items --ratings $ratings$gen"
	: >"$dir/rss"

	measured "$name-prep" ml-prep "$data"
	mv "$dir/$name-prep.out" "$dir/$name.tts"
	echo "$name ml-prep seconds / peak RSS MB: $secs / $mb"

	# tt-fit's own count, from the meta of tt-batch's stream (its batcher)
	per_epoch=$(tt-batch "$dir/$name.tts" | tt-dump |
		awk -F= '$1 ~ /examples_per_epoch$/ { print $2; exit }')
	fit "$name" "$dir/$name.tts"
	echo "$name tt-fit examples/s / peak RSS MB ($steps steps): $rate / $mb"
	awk -v n="$name" -v r="$rate" -v r1="$ml1m_rate" -v e="$per_epoch" 'BEGIN {
		printf "%s tt-fit examples/s over ml-1m.txt'"'"'s: %.2f\n", n, r / r1
		printf "%s minutes per epoch (%d examples): %.1f\n", n, e, e / r / 60 }'

	model=$dir/$name-fit.out
	measured "$name-items" tt-embed "$model"
	echo "$name tt-embed items seconds / peak RSS MB: $secs / $mb"
	measured "$name-users" tt-embed --users "$model" "$dir/$name.tts"
	echo "$name tt-embed users seconds / peak RSS MB: $secs / $mb"
	measured "$name-topk" tt-topk -k 10 --format tts \
		"$dir/$name-items.out" "$dir/$name-users.out"
	echo "$name tt-topk seconds / peak RSS MB: $secs / $mb"
	echo "$name FAISS exact search seconds: $(faiss_seconds \
		"$dir/$name-items.out" "$dir/$name-users.out" 1)"
	echo "$name largest peak RSS MB: $(sort -n "$dir/rss" | tail -1)"
	rm -f "$dir/$name"*
done
echo "targets (issue 15): examples/s at least 0.8 of ml-1m.txt's on ML-25M's shape, 0.5 on a million items; under 15 minutes an epoch; under 4096 MB peak RSS in every stage"
