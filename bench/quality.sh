#!/bin/sh
# quality.sh - test HR@10 / NDCG@10 on ML-1M's benchmark file (ml-1m.txt,
# leave-one-out, full ranking, earlier items excluded) of the default
# configuration and of --arch seed, beside the published results.
#   sh bench/quality.sh [ml-1m.txt]
# Without the file: generated data of the same shape (then the published
# rows do not apply and say so).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
data=${1:-$top/../shared/data/ml-1m/ml-1m.txt}
work=$(mktemp -d "${TMPDIR:-/tmp}/tt-quality.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

if [ -f "$data" ]; then
	ml-prep "$data" >ml.tts
	echo "data: ML-1M ml-1m.txt"
else
	ml-synth --format seq --seed 1 >ratings.txt
	ml-prep ratings.txt >ml.tts
	echo "data: ml-synth (ML-1M shape): the published rows are for ML-1M"
fi

fit() { # name, options...
	name=$1
	shift
	start=$(date +%s)
	tt-fit --valid --test --log "$name.tsv" "$@" -o "$name.bin" ml.tts 2>"$name.err"
	end=$(date +%s)
	sed -n 's/.*test HR@10 \([0-9.]*\) NDCG@10 \([0-9.]*\).*/\1 \2/p' "$name.err" >"$name.test"
	read -r hr ndcg <"$name.test"
	echo "$name test HR@10: $hr"
	echo "$name test NDCG@10: $ndcg"
	echo "$name training minutes: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", (e - s) / 60 }')"
}

fit "tt (default)"
fit "tt --arch seed" --arch seed
tt-eval --k 10 --tsv --baseline pop ml.tts |
	awk -F'\t' '$1 == "pop.hr" { print "popularity test HR@10: " $3 }
		$1 == "pop.ndcg" { print "popularity test NDCG@10: " $3 }'
cat <<'PUB'
published SASRec+ (full softmax) test HR@10 / NDCG@10: 0.3152 / 0.1821
published SASRec+ 3000 negatives test HR@10 / NDCG@10: 0.3159 / 0.1857
published BERT4Rec test HR@10 / NDCG@10: 0.2843 / 0.1537
published SASRec (BCE) test HR@10 / NDCG@10: 0.2500 / 0.1341
seed in PyTorch, 8 epochs (shared/data/README.md) test HR@10 / NDCG@10: 0.1156 / 0.0571
PUB
