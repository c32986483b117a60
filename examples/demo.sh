#!/bin/sh
# make demo: train the default model on MovieLens-1M (or generated data of
# the same shape), evaluate it beside the popularity baseline, and show a
# few users' recent movies and their recommendations.
#   sh examples/demo.sh [ML1M_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
work=${DEMO_DIR:-$top/demo}
epochs=${DEMO_EPOCHS:-12}
mkdir -p "$work"
cd "$work"
say() { printf '== %s\n' "$*"; }

dir=${1:-}
[ -n "$dir" ] || { [ -d "$top/../shared/data/ml-1m" ] && dir=$top/../shared/data/ml-1m; } || true
if [ -z "$dir" ]; then
	# No data given: GroupLens's archive when the network allows, checked.
	url=https://files.grouplens.org/datasets/movielens/ml-1m.zip
	if [ -f ml-1m/ratings.dat ]; then
		dir=$work/ml-1m
	elif command -v curl >/dev/null && command -v unzip >/dev/null &&
	    curl -fsS --max-time 60 -o ml-1m.zip "$url" 2>/dev/null &&
	    [ "$(wc -c <ml-1m.zip)" = 5917549 ] &&
	    [ "$(md5sum ml-1m.zip | cut -d' ' -f1)" = c4d9eecfca2ab87c1945afe126590906 ] &&
	    unzip -qo ml-1m.zip; then
		dir=$work/ml-1m
	else
		rm -f ml-1m.zip
		say "MovieLens-1M is not here and cannot be downloaded: using ml-synth data of the same shape"
	fi
fi

if [ -n "$dir" ] && [ -f "$dir/ml-1m.txt" ]; then
	say "data: $dir/ml-1m.txt (the sequential-recommendation benchmark file)"
	ml-prep --items "$dir/movies.dat" --item-map "$dir/sas-item-to-movie-id.txt" \
		-o ml.tts "$dir/ml-1m.txt"
elif [ -n "$dir" ] && [ -f "$dir/ratings.dat" ]; then
	say "data: $dir/ratings.dat"
	ml-prep --items "$dir/movies.dat" -o ml.tts "$dir/ratings.dat"
else
	[ -z "$dir" ] || say "no ml-1m.txt or ratings.dat in $dir: using ml-synth data"
	ml-synth --seed 1 --movies movies.dat >ratings.dat
	ml-prep --items movies.dat -o ml.tts ratings.dat
fi

say "training the default model, $epochs epochs (progress on a terminal)"
tt-fit --epochs "$epochs" --valid --log fit.tsv -o model.bin ml.tts
tt-embed model.bin >items.tts
tt-embed --users model.bin ml.tts >users.tts
tt-topk -k 20 --format tts items.tts users.tts >recs.tts

say "test split: the model, then the popularity baseline"
tt-eval --k 10,20 ml.tts recs.tts
tt-eval --k 10,20 --baseline pop ml.tts

# A few users: their last movies, then their top 10.
tt-dump --tsv user_ids ml.tts >user_ids.txt
tt-dump --tsv offsets ml.tts >offsets.txt
tt-dump --tsv items ml.tts >items.txt
tt-dump --tsv titles ml.tts >titles.txt 2>/dev/null || tt-dump --tsv item_ids ml.tts >titles.txt
tt-dump --tsv test ml.tts >test.txt
for user in $(awk 'NR == 1 || NR == 2 || NR == 3 {print}' user_ids.txt); do
	echo
	say "user $user: the last movies watched (before the held-out one)"
	awk -v u="$user" '
		FILENAME == ARGV[1] { if ($1 == u) row = FNR; next }
		FILENAME == ARGV[2] { off[FNR] = $1; next }
		FILENAME == ARGV[3] { test[FNR] = $1; next }
		FILENAME == ARGV[4] { item[FNR - 1] = $1; next }
		{ title[FNR - 1] = $0 }
		END {
			end = test[row] >= 0 ? test[row] : off[row + 1]
			for (j = (end - 5 > off[row] ? end - 5 : off[row]); j < end; j++)
				print "   ", title[item[j]]
		}' user_ids.txt offsets.txt test.txt items.txt titles.txt
	say "user $user: recommended"
	tt-embed --user "$user" model.bin ml.tts | tt-topk -k 10 items.tts | cut -f2,5
done
