#!/bin/sh
test_description='tt-fit --precision: the logits in bf16 where the CPU has it, fp32 otherwise'
. "$(dirname "$0")/test-lib.sh"

ml-synth --users 300 --items 120 --ratings 12000 --seed 3 --format seq >ratings.txt &&
ml-prep ratings.txt >ml.tts || exit 1
SMALL="--dim 16 --hidden 32 --history 20 --blocks 1 --batch 16 --threads 1 --epochs 2"
# where tt-fit can make the logits in bf16 (the CPU as it sees it: under
# valgrind, which hides AVX-512, it cannot)
tt-fit $SMALL --max-steps 1 --precision bf16 ml.tts >/dev/null 2>&1 && test_set_prereq BF16

# the training loss of the last epoch, from --log
last_loss() { awk -F'\t' 'NR > 1 { l = $3 } END { print l }' "$1"; }

test_expect_success BF16 'the default is bf16 here: said in the meta, the same bytes as asked' '
	tt-fit $SMALL --log log.auto ml.tts >auto.bin &&
	tt-fit $SMALL --precision bf16 ml.tts >bf16.bin &&
	cmp auto.bin bf16.bin &&
	tt-dump bf16.bin >dump && test_grep "^ *precision=bf16" dump
'

test_expect_success BF16 'fp32: no precision line, other bytes, a loss within 1% of bf16' '
	tt-fit $SMALL --precision fp32 --log log.fp32 ml.tts >fp32.bin &&
	! tt-dump fp32.bin | grep -q "precision=" &&
	! cmp -s fp32.bin bf16.bin &&
	a=$(last_loss log.auto) b=$(last_loss log.fp32) &&
	awk -v a="$a" -v b="$b" "BEGIN { d = (a - b) / b; exit !(d < 0.01 && d > -0.01) }"
'

test_expect_success BF16 'bf16 is deterministic at two threads, and with the sampled loss' '
	tt-fit $SMALL --threads 2 ml.tts >t2a.bin &&
	tt-fit $SMALL --threads 2 ml.tts >t2b.bin &&
	cmp t2a.bin t2b.bin &&
	tt-fit $SMALL --loss sampled -n 50 --log log.s16 ml.tts >s1.bin &&
	tt-fit $SMALL --loss sampled -n 50 ml.tts >s2.bin &&
	cmp s1.bin s2.bin &&
	tt-fit $SMALL --loss sampled -n 50 --precision fp32 --log log.s32 ml.tts >s32.bin &&
	a=$(last_loss log.s16) b=$(last_loss log.s32) &&
	awk -v a="$a" -v b="$b" "BEGIN { d = (a - b) / b; exit !(d < 0.01 && d > -0.01) }"
'

test_expect_success BF16 'the seed architecture takes bf16 as well' '
	tt-fit --arch seed --dim 16 --hidden 32 --history 20 --epochs 1 -t 1 ml.tts >seed16.bin &&
	tt-dump seed16.bin >dump && test_grep "^ *precision=bf16" dump
'

# TT_BF16=0: as on a CPU without it (tt-fit(1), ENVIRONMENT)
test_expect_success 'without AVX-512 BF16: fp32 by default, bf16 refused' '
	TT_BF16=0 tt-fit $SMALL ml.tts >auto0.bin &&
	tt-fit $SMALL --precision fp32 ml.tts >fp32b.bin &&
	cmp auto0.bin fp32b.bin &&
	{ TT_BF16=0 tt-fit $SMALL --precision bf16 -o none.bin ml.tts 2>err; test $? = 1; } &&
	test_grep "^tt-fit: .*AVX-512 BF16" err && ! test -e none.bin
'

test_expect_success 'an unknown precision is a usage error' '
	{ tt-fit --precision fp16 ml.tts >out 2>err; test $? = 2; } &&
	test_grep "fp16" err && test_grep "fp32" err && ! test -s out
'

test_done
