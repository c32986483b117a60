#!/bin/sh
# coldstart.sh - cold start on ML-1M's ml-1m.txt with its side files and
# --cold-items 0.1, one data set per seed (SEEDS, default 1 2 3): the cold
# users' test HR@10 / NDCG@10 among the cold items for random, the genre
# baseline, the id-only model (tt-fit --no-features) and the features
# model (the default), and the warm users' (tt-eval --warm) for the two
# models; each a mean and spread over the seeds.  EPOCHS (default: tt-fit's)
# for both models.
#   sh bench/coldstart.sh [DIR]    (ml-1m.txt, movies.dat, users.dat and
#                                   the two sas-*-to-*-id.txt maps)
# Without the files: ml-synth data with movies (then not ML-1M, and says so).
#
# The id-only model has nothing to place a cold item by: a cold item is
# never a history item nor a training target, so its row of the item table
# is its random start moved only as a negative of the full softmax.  It is
# measured as it is: its whole item stream searched with the warm items
# excluded, so its lists hold cold items only, as tt-eval --cold requires.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${1:-$top/../shared/data/ml-1m}
seeds=${SEEDS:-1 2 3}
epochs=${EPOCHS:+--epochs $EPOCHS}
work=$(mktemp -d "${TMPDIR:-/tmp}/tt-coldstart.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

if [ -f "$dir/ml-1m.txt" ]; then
	echo "data: ML-1M ml-1m.txt with movies.dat and users.dat, 10% of the items cold"
	prep() {
		ml-prep --items "$dir/movies.dat" --users "$dir/users.dat" \
			--item-map "$dir/sas-item-to-movie-id.txt" \
			--user-map "$dir/sas-user-to-user-id.txt" \
			--cold-items 0.1 --seed "$1" "$dir/ml-1m.txt" 2>/dev/null
	}
else
	echo "data: ml-synth with movies, 10% of the items cold (not ML-1M)"
	ml-synth --movies movies.dat -o ratings.dat
	prep() {
		ml-prep --items movies.dat --cold-items 0.1 --seed "$1" ratings.dat 2>/dev/null
	}
fi
echo "epochs: ${EPOCHS:-tt-fit's default}; seeds: $seeds"

# HR@10 and NDCG@10 of a tt-eval --tsv, as "label hr ndcg" lines
pick() { # label, prefix
	awk -F'\t' -v l="$1" -v p="$2" '$2 == 10 && $1 == p "hr" { h = $3 }
		$2 == 10 && $1 == p "ndcg" { n = $3 } END { print l, h, n }'
}

for s in $seeds; do
	prep "$s" >ml.tts
	tt-dump --tsv cold ml.tts >cold.tsv
	tt-dump --tsv item_ids ml.tts | paste - cold.tsv | awk '!$2 { print $1 }' >warm-ids
	tt-eval --cold --baseline random --baseline genre --seed "$s" --tsv --k 10 ml.tts >base.tsv
	pick random random. <base.tsv >>all
	pick genre genre. <base.tsv >>all
	for model in ids features; do
		flags=
		[ $model = ids ] && flags=--no-features
		# shellcheck disable=SC2086 # $epochs and $flags are option lists
		tt-fit $epochs $flags ml.tts -o $model.bin 2>/dev/null
		tt-embed --users $model.bin ml.tts >users.tts
		tt-embed $model.bin >items.tts
		if [ $model = features ]; then
			tt-embed --cold $model.bin ml.tts >cold.tts
			tt-topk -k 10 --format tts cold.tts users.tts
		else
			tt-topk -k 10 --format tts --exclude warm-ids items.tts users.tts
		fi | tt-eval --cold --tsv --k 10 ml.tts | pick "$model-cold" "" >>all
		tt-topk -k 10 --format tts items.tts users.tts |
			tt-eval --warm --tsv --k 10 ml.tts | pick "$model-warm" "" >>all
	done
done

awk -v n="$(echo $seeds | wc -w)" '
	$1 == "genre" { seed_g[++ng] = $2 }
	$1 == "features-cold" { seed_f[++nf] = $2 }
	{ h[$1] += $2; hh[$1] += $2 * $2; d[$1] += $3; dd[$1] += $3 * $3
	  if (!($1 in hmin) || $2 < hmin[$1]) hmin[$1] = $2
	  if (!($1 in hmax) || $2 > hmax[$1]) hmax[$1] = $2 }
	function sd(s, ss) { v = ss / n - (s / n) ^ 2; return n > 1 && v > 0 ? sqrt(v * n / (n - 1)) : 0 }
	function row(key, what) {
		printf "%s HR@10 / NDCG@10 (mean ± sd of %d, HR@10 min-max): %.4f ± %.4f / %.4f ± %.4f (%.4f-%.4f)\n",
			what, n, h[key] / n, sd(h[key], hh[key]), d[key] / n, sd(d[key], dd[key]), hmin[key], hmax[key]
	}
	END {
		row("random", "cold users, random among the cold items")
		row("genre", "cold users, genre baseline")
		row("ids-cold", "cold users, id-only model (untrained rows)")
		row("features-cold", "cold users, features model (tt-embed --cold)")
		printf "cold users, features model HR@10 over the genre baseline: %.2f times\n", h["features-cold"] / h["genre"]
		printf "cold users, the same seed by seed:"
		for (i = 1; i <= n; i++)
			printf " %.2f", seed_f[i] / seed_g[i]
		printf " times\n"
		row("ids-warm", "warm users, id-only model (all items)")
		row("features-warm", "warm users, features model (all items)")
	}' all
