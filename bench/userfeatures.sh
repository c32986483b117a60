#!/bin/sh
# userfeatures.sh - what users.dat's gender, age and occupation earn in the
# tt user tower (tt-fit(1), USER FEATURES).  ML-1M's ml-1m.txt with every
# tenth user cut to the first four of their items (two to train on, one to
# validate, one to test: new users); the same data prepared with and
# without --users users.dat, tt-fit's defaults, SEEDS (default 1 2 3).
# Scored on every user (nine in ten of them ML-1M's own) and on the new
# users alone (tt-eval --history-max 3: two training items and the
# validation one before the test item), beside popularity.
#   sh bench/userfeatures.sh [DIR]   (ml-1m.txt, users.dat, sas-user-to-user-id.txt)
# Without the files: ml-synth data with users (then not ML-1M, and says so).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${1:-$top/../shared/data/ml-1m}
seeds=${SEEDS:-1 2 3}
work=$(mktemp -d "${TMPDIR:-/tmp}/tt-userfeatures.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

if [ -f "$dir/ml-1m.txt" ]; then
	echo "data: ML-1M ml-1m.txt, users.dat; every tenth user cut to four items"
	cp "$dir/users.dat" users.dat
	map="--user-map $dir/sas-user-to-user-id.txt"
	src=$dir/ml-1m.txt
else
	echo "data: ml-synth with users (not ML-1M); every tenth user cut to four items"
	ml-synth --format seq -u 1000 -i 600 -r 50000 --users-out users.dat -o seq.txt
	map=
	src=seq.txt
fi
awk '$1 % 10 == 0 && ++n[$1] > 4 { next } { print }' "$src" >cut.txt
ml-prep --users users.dat $map cut.txt >with.tts 2>/dev/null
ml-prep cut.txt >without.tts 2>/dev/null

pick() { # label: "label HR@10 NDCG@10" of a tt-eval --tsv
	awk -F'\t' -v l="$1" '$2 == 10 && $1 ~ /hr$/ { h = $3 } $2 == 10 && $1 ~ /ndcg$/ { n = $3 }
		END { print l, h, n }'
}
tt-eval --baseline pop --tsv --k 10 without.tts | pick "popularity, every user" >>all
tt-eval --baseline pop --tsv --k 10 --history-max 3 without.tts | pick "popularity, new users" >>all
for s in $seeds; do
	for v in with without; do
		tt-fit --seed "$s" -o $v.bin $v.tts 2>/dev/null
		tt-embed $v.bin >i.tts
		tt-embed --users $v.bin $v.tts 2>/dev/null | tt-topk -k 10 --format tts i.tts >r.tts
		tt-eval --tsv --k 10 $v.tts r.tts | pick "$v user features, every user" >>all
		tt-eval --tsv --k 10 --history-max 3 $v.tts r.tts | pick "$v user features, new users" >>all
	done
done
# label: mean (min-max) over the seeds
awk '{ l = $0; sub(/ [^ ]+ [^ ]+$/, "", l); h[l] += $(NF - 1); g[l] += $NF; n[l]++
	if (!(l in lo) || $(NF - 1) < lo[l]) lo[l] = $(NF - 1)
	if (!(l in hi) || $(NF - 1) > hi[l]) hi[l] = $(NF - 1)
	if (!(l in seen)) { seen[l] = 1; order[++k] = l } }
	END { for (i = 1; i <= k; i++) { l = order[i]
		printf "%s: test HR@10 %.4f (%.4f-%.4f), NDCG@10 %.4f (%d runs)\n", l,
			h[l] / n[l], lo[l], hi[l], g[l] / n[l], n[l] } }' all
