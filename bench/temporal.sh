#!/bin/sh
# temporal.sh - ML-1M under the temporal split (ml-prep --split time
# --cutoff 0.9: the last 10% of the ratings are the test period, the 10%
# before them validation, each user's next item after the cut-off the
# target; users with no rating before the validation slice are left out):
# tt-fit's defaults (its --valid stopping) over seeds (SEEDS, default 1 2
# 3), beside popularity in training and recent popularity (the 28 days
# before the cut-off).  HR@10 and NDCG@10 on the next item, and recall@10
# and NDCG@10 on every item after the cut-off (--targets all: the same
# slices, the same users), each model a mean and spread over the seeds.
#   sh bench/temporal.sh [DIR]    (ratings.dat, or ratings-users-1-2999.dat)
# Without either file: ml-synth data of ML-1M's shape (then not ML-1M, and
# says so).  CUTOFF and EPOCHS (default: tt-fit's) change the run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${1:-$top/../shared/data/ml-1m}
seeds=${SEEDS:-1 2 3}
cutoff=${CUTOFF:-0.9}
epochs=${EPOCHS:+--epochs $EPOCHS}
work=$(mktemp -d "${TMPDIR:-/tmp}/tt-temporal.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

if [ -f "$dir/ratings.dat" ]; then
	data=$dir/ratings.dat
	echo "data: ML-1M ratings.dat"
elif [ -f "$dir/ratings-users-1-2999.dat" ]; then
	data=$dir/ratings-users-1-2999.dat
	echo "data: ML-1M ratings-users-1-2999.dat (users 1 to 2999, 487,650 ratings: the part of ratings.dat at hand)"
else
	ml-synth -o ratings.dat
	data=ratings.dat
	echo "data: ml-synth, ML-1M's shape (not ML-1M)"
fi
ml-prep --split time --cutoff "$cutoff" --stats "$data" >next.tts 2>stats
ml-prep --split time --cutoff "$cutoff" --targets all "$data" >all.tts
sed -n 's/^time split: /split: --cutoff '"$cutoff"': /p' stats
echo "epochs: ${EPOCHS:-tt-fit's default, stopped by the validation slice}; seeds: $seeds"

# "label hr ndcg recall" of a tt-eval --tsv at 10, metrics of prefix
pick() { # label, prefix
	awk -F'\t' -v l="$1" -v p="$2" '$2 == 10 && $1 == p "hr" { h = $3 }
		$2 == 10 && $1 == p "ndcg" { n = $3 } $2 == 10 && $1 == p "recall" { r = $3 }
		END { print l, h, n, r == "" ? h : r }'
}

tt-eval --tsv --k 10 --baseline pop --baseline recent next.tts >base.tsv
pick pop-next pop. <base.tsv >>all
pick recent-next recent. <base.tsv >>all
tt-eval --tsv --k 10 --baseline pop --baseline recent all.tts >base.tsv
pick pop-all pop. <base.tsv >>all
pick recent-all recent. <base.tsv >>all
for s in $seeds; do
	start=$(date +%s)
	# shellcheck disable=SC2086 # $epochs is an option list
	tt-fit $epochs --valid --seed "$s" next.tts -o model.bin 2>fit.err
	echo "seed $s: $(( $(date +%s) - start )) s, $(grep -c 'valid HR@10' fit.err) epochs" >&2
	tt-embed model.bin >items.tts
	tt-embed --users model.bin next.tts >users.tts
	tt-topk -k 10 --format tts items.tts users.tts >recs.tts
	tt-eval --tsv --k 10 next.tts recs.tts | pick model-next "" >>all
	tt-eval --tsv --k 10 all.tts recs.tts | pick model-all "" >>all
done

awk -v n="$(echo $seeds | wc -w)" '
	{ k = $1; c[k]++; h[k] += $2; hh[k] += $2 * $2; d[k] += $3; dd[k] += $3 * $3
	  r[k] += $4; rr[k] += $4 * $4
	  if (!(k in lo) || $2 < lo[k]) lo[k] = $2
	  if (!(k in hi) || $2 > hi[k]) hi[k] = $2 }
	function sd(s, ss, m) { v = ss / m - (s / m) ^ 2; return m > 1 && v > 0 ? sqrt(v * m / (m - 1)) : 0 }
	function row(k, what, m) {
		m = c[k]
		if (m > 1)
			printf "%s (mean ± sd of %d, HR@10 min-max): %.4f ± %.4f / %.4f ± %.4f (%.4f-%.4f)\n",
				what, m, h[k] / m, sd(h[k], hh[k], m), d[k] / m, sd(d[k], dd[k], m), lo[k], hi[k]
		else
			printf "%s: %.4f / %.4f\n", what, h[k], d[k]
	}
	function rrow(k, what, m) {
		m = c[k]
		if (m > 1)
			printf "%s (mean ± sd of %d): %.4f ± %.4f / %.4f ± %.4f\n",
				what, m, r[k] / m, sd(r[k], rr[k], m), d[k] / m, sd(d[k], dd[k], m)
		else
			printf "%s: %.4f / %.4f\n", what, r[k], d[k]
	}
	END {
		row("pop-next", "next item, training popularity HR@10 / NDCG@10")
		row("recent-next", "next item, recent popularity (28 days) HR@10 / NDCG@10")
		row("model-next", "next item, tt-fit defaults HR@10 / NDCG@10")
		rrow("pop-all", "every later item, training popularity recall@10 / NDCG@10")
		rrow("recent-all", "every later item, recent popularity recall@10 / NDCG@10")
		rrow("model-all", "every later item, tt-fit defaults recall@10 / NDCG@10")
	}' all
