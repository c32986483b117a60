#!/bin/sh
# bench/peer.sh - tt-fit's default model beside the same model in plain
# PyTorch (bench/peer_torch.py: the same layers, initialisation and
# batches in the same order; tests/t2100 checks it against tt layer by
# layer): the loss of step 1 on both from tt's initial weights, the model
# FLOPs per example, examples/s at 1 and 2 threads, tt's share of the
# core's measured sgemm rate at the logits' shape (bench/peer_gemm.c),
# and tt-fit's TT_PROFILE line.  On ../shared/data/ml-1m/ml-1m.txt, or
# ml-synth data of its shape; then the sampled loss on Toys (where
# ../shared/data/amazon has it) and at ML-25M's shape.
#   sh bench/peer.sh [FILE]
# PEER_STEPS (default 300) steps a run, PEER_REPS (default 3) repetitions;
# tt and PyTorch run alternately (A B A B), so a shared machine's load
# falls on both alike; medians and ranges are printed.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
dir=${TMPDIR:-/tmp}/tt-bench-peer.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
steps=${PEER_STEPS:-300}
reps=${PEER_REPS:-3}
py=/usr/bin/python3
peer="$top/bench/peer_torch.py"

. "$top/bench/ml1m.sh"
tt-batch <"$dir/ml.tts" >"$dir/batches.tts"

# tt-fit's examples/s over $steps steps at $1 threads, more options after
tt_rate() {
	t=$1
	shift
	tt-fit -t "$t" --max-steps "$steps" --log "$dir/log" "$@" <"$dir/ml.tts" \
		>"$dir/model" 2>"$dir/err" || { cat "$dir/err" >&2; return 1; }
	awk -F'\t' 'NR == 2 { print $6 }' "$dir/log"
}
# PyTorch's at $1 torch threads, $2 BLAS threads, more options after
torch_rate() {
	tn=$1 bn=$2
	shift 2
	OPENBLAS_NUM_THREADS=$bn OMP_NUM_THREADS=$tn $py "$peer" --steps "$steps" \
		--threads "$tn" "$@" "$dir/batches.tts" | sed -n 's/^torch examples\/s: \([0-9]*\).*/\1/p'
}
# "median (min-max)" of the numbers on standard input
summary() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f (%.0f-%.0f, %d runs)\n", m, v[1], v[NR], NR }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# the same start: tt's initial weights (a step at rate 0), no dropout; the
# float products, as PyTorch's, and bf16's where tt uses them
tt-fit -t 1 --lr 0 --max-steps 1 --dropout 0 --precision fp32 --log "$dir/log0" \
	<"$dir/ml.tts" >"$dir/init" 2>"$dir/err"
tt_first=$(awk -F'\t' 'NR == 2 { print $3 }' "$dir/log0")
precision=$(tt-fit -t 1 --max-steps 1 <"$dir/ml.tts" 2>/dev/null | tt-dump - |
	sed -n 's/^ *precision=//p')
precision=${precision:-fp32}
torch_first=$($py "$peer" --first-loss "$dir/init" "$dir/batches.tts" |
	sed -n 's/^torch first loss: \([0-9.]*\).*/\1/p')
echo "step 1 loss, tt-fit --precision fp32: $tt_first"
if [ "$precision" = bf16 ]; then
	tt-fit -t 1 --lr 0 --max-steps 1 --dropout 0 --log "$dir/log0" <"$dir/ml.tts" \
		>/dev/null 2>"$dir/err"
	echo "step 1 loss, tt-fit --precision bf16 (its default here): $(awk -F'\t' 'NR == 2 { print $3 }' "$dir/log0")"
fi
echo "step 1 loss, PyTorch from tt's weights: $torch_first"

flops=$($py "$peer" --flops "$dir/batches.tts")
mflop=$(echo "$flops" | sed -n 's/^model MFLOP per example: \([0-9.]*\).*/\1/p')
echo "model MFLOP per example (forward and backward): $(echo "$flops" | sed 's/^model MFLOP per example: //')"

cc -O2 $(pkg-config --cflags openblas) -I"$top/lib/model" -o "$dir/peer_gemm" \
	"$top/bench/peer_gemm.c" "$top/lib/libtt.a" $(pkg-config --libs openblas) -ldl -lm
"$dir/peer_gemm" >"$dir/gemm"
gemm=$(sed -n "s/^sgemm GFLOP\/s: //p" "$dir/gemm")
echo "sgemm GFLOP/s, 1 thread, the logits' three products (512 x 3416 x 64), best of 5: $gemm"
echo "sbgemm GFLOP/s, the same: $(sed -n "s/^sbgemm GFLOP\/s: //p" "$dir/gemm")"
bf16=$(sed -n "s/^tt bf16 GFLOP\/s: //p" "$dir/gemm")
echo "tt's bf16 kernel GFLOP/s, the same (lib/model/bf16.c, operands packed): $bf16"

: >"$dir/tt1"; : >"$dir/torch1"; : >"$dir/tt2"; : >"$dir/tt1_fp32"; : >"$dir/torch1_bf16"
: >"$dir/torch2_1"; : >"$dir/torch1_2"; : >"$dir/torch2_2"
for r in $(seq "$reps"); do
	tt_rate 1 >>"$dir/tt1"
	[ "$precision" = fp32 ] || tt_rate 1 --precision fp32 >>"$dir/tt1_fp32"
	torch_rate 1 1 >>"$dir/torch1"
	torch_rate 1 1 --autocast >>"$dir/torch1_bf16"
	tt_rate 2 >>"$dir/tt2"
	torch_rate 2 1 >>"$dir/torch2_1"
	torch_rate 1 2 >>"$dir/torch1_2"
	torch_rate 2 2 >>"$dir/torch2_2"
done
echo "tt-fit precision (its default on this CPU): $precision"
echo "tt-fit examples/s, 1 thread: $(summary <"$dir/tt1")"
[ -s "$dir/tt1_fp32" ] && echo "tt-fit --precision fp32 examples/s, 1 thread: $(summary <"$dir/tt1_fp32")"
echo "PyTorch examples/s, 1 thread (1 BLAS thread): $(summary <"$dir/torch1")"
echo "PyTorch examples/s, 1 thread, its own bf16 (torch.autocast): $(summary <"$dir/torch1_bf16")"
echo "tt-fit examples/s, 2 threads: $(summary <"$dir/tt2")"
echo "PyTorch examples/s, 2 torch threads, 1 BLAS thread: $(summary <"$dir/torch2_1")"
echo "PyTorch examples/s, 1 torch thread, 2 BLAS threads: $(summary <"$dir/torch1_2")"
echo "PyTorch examples/s, 2 torch threads, 2 BLAS threads: $(summary <"$dir/torch2_2")"
best=$(for f in torch2_1 torch1_2 torch2_2; do median <"$dir/$f"; done | sort -n | tail -1)
t1=$(median <"$dir/tt1"); p1=$(median <"$dir/torch1"); t2=$(median <"$dir/tt2")
echo "$t1 $p1" | awk '{ printf "tt-fit vs PyTorch, 1 thread each (medians): %.2f\n", $1 / $2 }'
echo "$t2 $best" | awk '{ printf "tt-fit at 2 threads vs PyTorch at its best 2-thread setting (medians): %.2f\n", $1 / $2 }'
# run by run, each tt run against the PyTorch run beside it
paste "$dir/tt1" "$dir/torch1" | awk '{ r = $1 / $2; s = s sep sprintf("%.2f", r); sep = ", " }
	END { print "tt-fit vs PyTorch, 1 thread, run by run: " s }'
echo "$t1 $mflop $gemm" | awk '{ printf "tt-fit GFLOP/s, 1 thread: %.1f, %.0f%% of sgemm'"'"'s\n", $1 * $2 / 1e3, 100 * $1 * $2 / 1e3 / $3 }'
TT_PROFILE=1 tt-fit -t 1 --max-steps "$steps" <"$dir/ml.tts" >"$dir/model" 2>"$dir/err"
sed -n 's/^tt-fit: profile (TT_PROFILE, thread 0)/tt-fit -t 1 profile (thread 0)/p' "$dir/err"
TT_PROFILE=1 tt-fit -t 2 --max-steps "$steps" <"$dir/ml.tts" >"$dir/model" 2>"$dir/err"
sed -n 's/^tt-fit: profile (TT_PROFILE, thread 0)/tt-fit -t 2 profile (thread 0)/p' "$dir/err"
if [ "$precision" = bf16 ]; then # before bf16: the float products
	TT_PROFILE=1 tt-fit -t 1 --precision fp32 --max-steps "$steps" <"$dir/ml.tts" >"$dir/model" 2>"$dir/err"
	sed -n 's/^tt-fit: profile (TT_PROFILE, thread 0)/tt-fit -t 1 --precision fp32 profile (thread 0)/p' "$dir/err"
fi
echo "$steps steps a run, $reps runs of each, tt and PyTorch alternating; the machine (2 cores) may be shared with other work: compare the medians and the run-by-run ratios"

# The sampled loss (3,000 negatives shared by a batch), where the default
# is not the full softmax: on Toys (its sparse defaults), and at ML-25M's
# shape (59,047 items, 154 ratings a user; a tenth of its 162,541 users,
# which changes an epoch's length, not a step's; its dense defaults given,
# as ML-25M's density would choose them).  sampled LABEL TTS "TT OPTIONS"
# "PYTORCH OPTIONS": tt 1 and 2 threads, PyTorch 1 thread and its best
# 2-thread setting of the three above, alternating.
sampled() {
	label=$1 tts=$2 ttopt=$3 pyopt=$4
	tt-batch <"$tts" >"$dir/sb.tts"
	: >"$dir/s_tt1"; : >"$dir/s_py1"; : >"$dir/s_tt2"; : >"$dir/s_py2"
	for r in $(seq "$reps"); do
		tt-fit -t 1 --max-steps "$steps" --log "$dir/log" $ttopt <"$tts" >/dev/null 2>"$dir/err" &&
			awk -F'\t' 'NR == 2 { print $6 }' "$dir/log" >>"$dir/s_tt1"
		OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $py "$peer" --steps "$steps" --threads 1 \
			$pyopt "$dir/sb.tts" | sed -n 's/^torch examples\/s: \([0-9]*\).*/\1/p' >>"$dir/s_py1"
		tt-fit -t 2 --max-steps "$steps" --log "$dir/log" $ttopt <"$tts" >/dev/null 2>"$dir/err" &&
			awk -F'\t' 'NR == 2 { print $6 }' "$dir/log" >>"$dir/s_tt2"
		best2=0
		for tb in "2 1" "1 2" "2 2"; do
			set -- $tb
			x=$(OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$1 $py "$peer" --steps "$steps" \
				--threads "$1" $pyopt "$dir/sb.tts" | sed -n 's/^torch examples\/s: \([0-9]*\).*/\1/p')
			[ "${x:-0}" -gt "$best2" ] && best2=$x
		done
		echo "$best2" >>"$dir/s_py2"
	done
	echo "$label MFLOP per example: $($py "$peer" --flops $pyopt "$dir/sb.tts" | sed 's/^model MFLOP per example: //')"
	echo "$label tt-fit examples/s, 1 thread: $(summary <"$dir/s_tt1")"
	echo "$label PyTorch examples/s, 1 thread: $(summary <"$dir/s_py1")"
	echo "$label tt-fit examples/s, 2 threads: $(summary <"$dir/s_tt2")"
	echo "$label PyTorch examples/s, its best 2-thread setting each run: $(summary <"$dir/s_py2")"
	a=$(median <"$dir/s_tt1") b=$(median <"$dir/s_py1") c=$(median <"$dir/s_tt2") d=$(median <"$dir/s_py2")
	echo "$a $b $c $d" | awk -v l="$label" '{ printf "%s tt-fit vs PyTorch (medians), 1 thread / 2 threads: %.2f / %.2f\n", l, $1 / $2, $3 / $4 }'
}

toys=$top/../shared/data/amazon/Toys_and_Games.txt
if [ -f "$toys" ]; then
	ml-prep -f seq "$toys" >"$dir/toys.tts"
	sampled "toys (sampled, sparse defaults)" "$dir/toys.tts" "" \
		"--negatives 3000 --dropout 0.5 --weight-decay 0.3 --constant"
else
	echo "toys: Toys_and_Games.txt is absent, skipped"
fi
ml-synth --format seq --users 16254 --items 59047 --ratings 2500000 --seed 1 >"$dir/m25.txt"
ml-prep "$dir/m25.txt" >"$dir/m25.tts"
sampled "ml-25m shape (sampled)" "$dir/m25.tts" \
	"--loss sampled --dropout 0.1 --weight-decay 0 --lr-schedule linear" "--negatives 3000"
