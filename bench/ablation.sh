#!/bin/sh
# ablation.sh - what each part of the default model is worth: the same
# short training (EPOCHS, default 6) of the default and of one change at a
# time, validation HR@10 / NDCG@10 after the last epoch, on ML-1M's
# ml-1m.txt (or ml-synth data of its shape).
#   sh bench/ablation.sh [ml-1m.txt]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
data=${1:-$top/../shared/data/ml-1m/ml-1m.txt}
epochs=${EPOCHS:-6}
work=$(mktemp -d "${TMPDIR:-/tmp}/tt-ablation.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
if [ -f "$data" ]; then
	ml-prep "$data" >ml.tts
else
	ml-synth --format seq --seed 1 >ratings.txt && ml-prep ratings.txt >ml.tts
fi
echo "epochs: $epochs (validation split, full ranking)"
run() { # label, options...
	label=$1
	shift
	tt-fit --epochs "$epochs" --valid --log a.tsv "$@" ml.tts >a.bin 2>/dev/null
	tail -1 a.tsv | awk -F'\t' -v l="$label" \
		'{ printf "%s valid HR@10 / NDCG@10 / examples/s: %.4f / %.4f / %d\n", l, $4, $5, $6 }'
}
run "default (tt)"
run "no slot embeddings" --no-positions
run "1 block" --blocks 1
run "feed-forward 64 wide" --hidden 64
run "item tower MLP" --item-mlp
run "no dropout" --dropout 0
run "history 200" --history 200
run "sampled softmax, 3,000 shared negatives" --loss sampled
run "seed architecture" --arch seed
