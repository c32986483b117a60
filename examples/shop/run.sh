#!/bin/sh
# A shop's event log, from the raw file to recommendations and similar
# items under its own string ids.  The log is what every shop has:
#   event_time,event_type,sku,customer,price,rating,channel
#   2001-07-28T05:19:05Z,purchase,sku-31,c_00001,75.30,5,"web, app"
# (ISO times, string ids, a quoted field with a comma).  Without LOG,
# ml-synth writes one.
#   sh examples/shop/run.sh [LOG] [DIR]      (DIR: where the files go, default .)
# TT_FIT_OPTS: extra tt-fit options (a test passes small ones).
set -eu
log=${1:-}
dir=${2:-.}
mkdir -p "$dir"
if [ -z "$log" ]; then
	log=$dir/shop.csv
	ml-synth --format shop --users 2000 --items 800 --ratings 80000 -o "$log"
fi

# The columns by name; every event is an interaction (add
# --where event_type=purchase for purchases alone).
ml-prep --user-col customer --item-col sku --time-col event_time \
	-o "$dir/shop.tts" "$log"
tt-fit ${TT_FIT_OPTS:-} -o "$dir/model.bin" "$dir/shop.tts"
tt-embed -o "$dir/items.tts" "$dir/model.bin"
tt-embed --users -o "$dir/users.tts" "$dir/model.bin" "$dir/shop.tts"

# Ten items for each customer, their own purchases and views left out:
# 'customer rank sku score'.
tt-topk -k 10 -o "$dir/recs.tsv" "$dir/items.tts" "$dir/users.tts"
# How good they are on each customer's last event, held out.
tt-topk -k 10 --format tts "$dir/items.tts" "$dir/users.tts" |
	tt-eval "$dir/shop.tts" >"$dir/quality.txt"
# The five items most like two of them: 'sku rank similar score'.
printf 'sku-1\nsku-2\n' | tt-topk --similar -k 5 "$dir/items.tts" >"$dir/similar.tsv"
# A new customer who looked at two items, answered at once.
tt-rec -k 5 "$dir/model.bin" sku-1 sku-2 >"$dir/new.tsv"
head -3 "$dir/recs.tsv"
cat "$dir/quality.txt"
