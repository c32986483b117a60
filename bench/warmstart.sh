#!/bin/sh
# warmstart.sh - a model that lives on: ML-1M's ratings (users 1..2999 of
# ratings.dat, the part with times) cut by time at day D, the time by which
# SHARE (default 0.8) of the interactions happened.  Model A trains on
# everything before D; then, on everything before D+7 days, a warm start
# (tt-fit --init A, WARM_EPOCHS, default 3) against a retrain from scratch
# (tt-fit's defaults), both scored on the week after, [D+7, D+14): each
# user's items of that week (ml-prep --split time --targets all), seen
# items excluded, by id.  SEEDS (default 1 2 3); means and spreads; wall
# seconds of each training, on the threads of TT_THREADS (default 2).
#   sh bench/warmstart.sh [RATINGS]
# Without the file: ml-synth data (then not ML-1M, and says so).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
data=${1:-$top/../shared/data/ml-1m/ratings-users-1-2999.dat}
seeds=${SEEDS:-1 2 3}
share=${SHARE:-0.8}
warm=${WARM_EPOCHS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/tt-warmstart.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

if [ -f "$data" ]; then
	echo "data: $(basename "$data"), $(wc -l <"$data") ratings"
else
	ml-synth -o ratings.dat
	data=$work/ratings.dat
	echo "data: ml-synth ratings.dat, $(wc -l <"$data") ratings (not ML-1M)"
fi
week=604800
D=$(awk -F:: '{ print $4 }' "$data" | sort -n |
	awk -v q="$share" '{ t[NR] = $1 } END { print t[int(NR * q)] }')
before() { awk -F:: -v t="$1" '$4 < t' "$data"; }
before "$D" >a.dat
before $((D + week)) >b.dat
before $((D + 2 * week)) >c.dat
echo "day D: $(date -u -d @"$D" +%F) ($share of the interactions before it)"
echo "interactions before D / D+7 / D+14: $(wc -l <a.dat) / $(wc -l <b.dat) / $(wc -l <c.dat)"
ml-prep --split none a.dat >a.tts 2>/dev/null
ml-prep --split none b.dat >b.tts 2>/dev/null
ml-prep --split time --cutoff $((D + week)) \
	--targets all c.dat >eval.tts 2>eval.err
tt-eval --baseline pop --tsv --k 10 eval.tts | awk -F'\t' '
	$1 == "pop.hr" { h = $3 } $1 == "pop.ndcg" { n = $3 } $1 == "users" { u = $3 }
	END { printf "popularity before D+7, on the week after: test HR@10 %.4f, NDCG@10 %.4f\n", h, n }'

seconds() { /usr/bin/time -f %e -o t.txt "$@" 2>fit.err && cat t.txt; }
score() { # MODEL: "HR@10 NDCG@10" on the week after
	tt-embed --users "$1" eval.tts >u.tts 2>/dev/null &&
	tt-embed "$1" >i.tts &&
	tt-topk -k 10 --format tts i.tts u.tts |
		tt-eval --tsv --k 10 eval.tts 2>/dev/null |
		awk -F'\t' '$1 == "hr" { h = $3 } $1 == "ndcg" { n = $3 } END { print h, n }'
}
for s in $seeds; do
	tA=$(seconds tt-fit --seed "$s" -o a.bin a.tts)
	tR=$(seconds tt-fit --seed "$s" -o r.bin b.tts)
	tW=$(seconds tt-fit --seed "$s" --init a.bin --epochs "$warm" -o w.bin b.tts)
	echo "retrain $s $(score r.bin) $tR" >>all
	echo "warm $s $(score w.bin) $tW" >>all
	echo "old $s $(score a.bin) $tA" >>all
done

# label: mean (min-max) of HR@10, NDCG@10 and seconds
awk -v n="$(echo $seeds | wc -w)" '
	{ k = $1; h[k] += $3; g[k] += $4; t[k] += $5
	  if (!(k in lo) || $3 < lo[k]) lo[k] = $3; if (!(k in hi) || $3 > hi[k]) hi[k] = $3 }
	END {
		split("old retrain warm", order, " ")
		name["old"] = "model A of day D, not updated"
		name["retrain"] = "retrain from scratch on the data to D+7"
		name["warm"] = "warm start from A on the data to D+7"
		for (i = 1; i <= 3; i++) { k = order[i]
			printf "%s: test HR@10 %.4f (%.4f-%.4f), NDCG@10 %.4f, %.0f s to train (%d seeds)\n",
				name[k], h[k] / n, lo[k], hi[k], g[k] / n, t[k] / n, n }
		printf "warm start time / retrain time: %.2f\n", t["warm"] / t["retrain"]
	}' all
