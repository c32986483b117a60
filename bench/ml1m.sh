# ml1m.sh - sourced by the bench scripts that train: sets data to ML-1M's
# ml-1m.txt (argument 1, else ../shared/data/ml-1m), or to ml-synth data of
# its shape in $dir where that is absent, says which, and writes its prep
# stream to $dir/ml.tts.  Needs top and dir set, bin/ on PATH.
data=${1:-$top/../shared/data/ml-1m/ml-1m.txt}
if [ -f "$data" ]; then
	echo "data: $(basename "$data"), $(wc -l <"$data") interactions"
else
	# ML-1M's shape: 6040 users, 3416 items, 999611 interactions
	ml-synth --format seq -u 6040 -i 3416 -r 999611 >"$dir/ml.txt"
	data=$dir/ml.txt
	echo "data: ml-synth --format seq, $(wc -l <"$data") interactions (ml-1m.txt is absent)"
fi
ml-prep "$data" >"$dir/ml.tts"
