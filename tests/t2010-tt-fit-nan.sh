#!/bin/sh
test_description='tt-fit: a loss that is not finite stops training and writes nothing'
. "$(dirname "$0")/test-lib.sh"

ml-synth --users 100 --items 60 --ratings 3000 --seed 2 --format seq | ml-prep >ml.tts &&
tt-fit --dim 8 --hidden 8 --history 10 --blocks 1 --epochs 1 ml.tts >good.bin || exit 1

# A copy of good.bin with one weight set to NaN: the records are rewritten
# by tts.py (tt-stream(5)) and compressed by zstd(1).
test_expect_success NUMPY 'a model with a NaN weight' '
	tt-dump --npy w good.bin &&
	/usr/bin/python3 - w >raw <<-\EOF &&
	import sys, tts
	import numpy as np
	recs = tts.load_npy(sys.argv[1])
	out = sys.stdout.buffer
	out.write(tts.text_record("meta", recs.pop("meta")))
	recs["item_emb"] = recs["item_emb"].copy()
	recs["item_emb"][3, 2] = np.nan
	for name, a in recs.items():
	    out.write(tts.text_record(name, a) if isinstance(a, str) else tts.array_record(name, a))
	out.write(tts.end())
	EOF
	zstd -q -c raw >nan.bin &&
	tt-dump nan.bin >dump &&
	test_grep "^item_emb" dump
'

test_expect_success NUMPY 'training from it is refused before the first step, the old model intact' '
	cp good.bin model.bin &&
	test_must_fail tt-fit --init nan.bin -o model.bin ml.tts 2>err &&
	test_grep "^tt-fit: nan.bin: weight item_emb: element 26 is nan, not a finite number$" err &&
	cmp good.bin model.bin &&
	! ls model.bin.tmp* 2>/dev/null
'

test_done
