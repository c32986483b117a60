#!/bin/sh
# bench/fit.sh - training speed: tt-fit's examples/s for --arch seed and
# for the default configuration, beside the seed's model in PyTorch
# (bench/torch_seed.py, 2 threads, batch 512) in the same run, on
# ../shared/data/ml-1m/ml-1m.txt, or ml-synth data of its shape where
# that is absent.  Also tt-fit's peak resident memory, and the default's
# examples/s on short histories (Amazon Toys, median 6 items, where
# present) beside ML-1M's: a step's cost should follow its filled slots.
#   sh bench/fit.sh [FILE]
# FIT_STEPS (default 300) and TORCH_STEPS (default 30) set the lengths.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${TMPDIR:-/tmp}/tt-bench-fit.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
fit_steps=${FIT_STEPS:-300}
torch_steps=${TORCH_STEPS:-30}

. "$top/bench/ml1m.sh"

# tt-fit for fit_steps steps (and one validation pass, so that its memory
# counts): "examples/s peak-KiB" from the log and /usr/bin/time
fit() {
	name=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$dir/rss.$name" \
			tt-fit "$@" --max-steps "$fit_steps" --valid --log "$dir/log.$name" \
			<"${input:-$dir/ml.tts}" >"$dir/model.$name" 2>"$dir/err.$name"
	else
		tt-fit "$@" --max-steps "$fit_steps" --valid --log "$dir/log.$name" \
			<"${input:-$dir/ml.tts}" >"$dir/model.$name" 2>"$dir/err.$name" &
		pid=$!
		peak=0
		while kill -0 "$pid" 2>/dev/null; do
			kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
			[ -n "$kib" ] && peak=$kib
			sleep 0.2
		done
		wait "$pid"
		echo "$peak" >"$dir/rss.$name"
	fi || { cat "$dir/err.$name" >&2; return 1; }
	awk -F'\t' 'NR == 2 { print $6 }' "$dir/log.$name"
}

seed=$(fit seed --arch seed)
rss_seed=$(tail -1 "$dir/rss.seed")
tt=$(fit tt)
rss_tt=$(tail -1 "$dir/rss.tt")
torch=$(/usr/bin/python3 "$top/bench/torch_seed.py" --steps "$torch_steps" "$data" |
	sed -n 's/^torch seed examples\/s: //p')

echo "fit seed examples/s: $seed"
echo "fit tt examples/s: $tt"
echo "torch seed examples/s: $torch"
echo "$seed $torch" | awk '{ printf "fit seed speedup vs torch: %.1f\n", $1 / $2 }'
for n in seed tt; do
	eval kib=\$rss_$n
	if [ "$kib" -gt 0 ] 2>/dev/null; then
		echo "$kib" | awk -v n=$n '{ printf "fit %s peak RSS MB: %.0f\n", n, $1 / 1024 }'
	fi
done
[ -x /usr/bin/time ] || echo "(peak RSS from VmHWM in /proc, sampled every 0.2 s)"
toys=$top/../shared/data/amazon/Toys_and_Games.txt
if [ -f "$toys" ]; then
	ml-prep -f seq "$toys" >"$dir/toys.tts"
	# the first epoch whole (607 steps of its short rows): as long a
	# measurement as ML-1M's 300 steps, not a fifth of it
	# the same model and loss on both: ML-1M's dense defaults, the sampled
	# softmax (the default past 6,000 items), so that only the data differ
	same="--loss sampled --dim 64 --blocks 2 --heads 2 --dropout 0.1 --lr-schedule linear"
	long=$(fit tt-sampled $same)
	short=$(fit_steps=$((fit_steps * 2)) input=$dir/toys.tts fit toys $same)
	echo "fit tt --loss sampled examples/s: $long"
	echo "fit tt Toys (median history 6), the same model and loss, examples/s: $short"
	echo "$short $long" | awk '{ printf "fit tt Toys vs ML-1M examples/s: %.2f\n", $1 / $2 }'
fi
echo "steps: tt-fit $fit_steps per configuration (its own batch sizes; Toys $((fit_steps * 2))), PyTorch $torch_steps of 512 examples after 3 warm-up steps"
