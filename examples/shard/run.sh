#!/bin/sh
# Rank users against items in N shards, as separate processes (one per
# shard, here with xargs -P; on several machines, one per machine), then
# merge the shards' lists into the global top-K.  The result equals one
# tt-topk over all items, byte for byte.
#   sh examples/shard/run.sh items.tts users.tts [N] > recs.tsv
set -eu
items=$1 users=$2 n=${3:-4}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seq 0 $((n - 1)) | xargs -P "$n" -I{} \
	tt-topk -k 10 --shard {}/"$n" --format tts -o "$dir/shard{}.tts" "$items" "$users"
tt-topk -k 10 --merge "$items" "$dir"/shard*.tts
