#!/bin/sh
test_description='both architectures against the same models in PyTorch'
. "$(dirname "$0")/test-lib.sh"

/usr/bin/python3 -c 'import torch' 2>/dev/null && test_set_prereq TORCH
UNIT=${TT_UNIT_DIR:-$TOP/build/opt/tests}
case $UNIT in /*) ;; *) UNIT=$TOP/$UNIT ;; esac # make check passes it relative

if ! test_have_prereq TORCH; then
	echo "1..0 # skip python3-torch is missing (torch is not importable by /usr/bin/python3)"
	exit 0
fi

test_expect_success 'a seed batch, its weights and gradients' '
	"$UNIT/test_parity" --dump p.tts &&
	tt-dump --npy npy p.tts &&
	test -f npy/grad.block0.wq.npy
'

test_expect_success 'seed: loss and every gradient agree with PyTorch to 1e-4' '
	/usr/bin/python3 "$TEST_DIR/parity_torch.py" npy >report &&
	cat report &&
	test "$(grep -c "^grad\." report)" = 19
'

# the tt model is bench/peer_torch.py's, the peer of bench/peer.sh
test_expect_success 'a tt batch (two blocks, slot embeddings), its weights and gradients' '
	"$UNIT/test_parity" --tt --dump tt.tts &&
	tt-dump --npy npy-tt tt.tts &&
	test -f npy-tt/grad.block1.ff2_w.npy
'

test_expect_success 'tt: loss and every gradient agree with PyTorch to 1e-4' '
	/usr/bin/python3 "$TEST_DIR/parity_torch.py" npy-tt >report-tt &&
	cat report-tt &&
	test "$(grep -c "^grad\." report-tt)" = 36
'

test_expect_success 'a tt batch with the relative position bias (tt-fit --rel-pos)' '
	"$UNIT/test_parity" --tt --rel-pos --dump rel.tts &&
	tt-dump --npy npy-rel rel.tts &&
	test -f npy-rel/grad.block1.rel_bias.npy
'

test_expect_success 'tt with the bias: loss and every gradient, the biases too, agree with PyTorch' '
	/usr/bin/python3 "$TEST_DIR/parity_torch.py" npy-rel >report-rel &&
	cat report-rel &&
	test "$(grep -c "^grad\." report-rel)" = 38 &&
	grep "^grad\.block0\.rel_bias  *ok" report-rel &&
	grep "^grad\.block1\.rel_bias  *ok" report-rel
'

# tt-fit --precision bf16 where the CPU has it: the logits' products in
# bf16, made the same way in PyTorch (peer_torch.BF16Logits)
"$UNIT/test_parity" --tt --bf16 --dump probe.tts 2>/dev/null && test_set_prereq BF16
test_expect_success BF16 'a tt batch with the logits in bf16' '
	"$UNIT/test_parity" --tt --bf16 --dump bf16.tts 2>bf16.err &&
	tt-dump --npy npy-bf16 bf16.tts &&
	tt-dump bf16.tts >dump-bf16 && test_grep "precision=bf16" dump-bf16
'

test_expect_success BF16 'bf16: loss and every gradient agree with PyTorch making them alike' '
	/usr/bin/python3 "$TEST_DIR/parity_torch.py" npy-bf16 >report-bf16 &&
	cat report-bf16 &&
	test "$(grep -c "^grad\." report-bf16)" = 36
'

# so that the check above sees bf16: float logits give another loss,
# further from it than the tolerance (1e-4)
test_expect_success BF16 'the bf16 loss is not the float one' '
	"$UNIT/test_parity" --tt --dump tt2.tts 2>float.err &&
	a=$(sed -n "s/.*loss //p" bf16.err) b=$(sed -n "s/.*loss //p" float.err) &&
	awk -v a="$a" -v b="$b" "BEGIN { d = (a - b) / b; exit !(d > 1e-4 || d < -1e-4) }"
'

# the per-tensor errors, in the TAP output as comments
for r in report report-tt report-rel report-bf16; do
	[ -f $r ] && sed -e 's/^/# /' $r
done
test_done
