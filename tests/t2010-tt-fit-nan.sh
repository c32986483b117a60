#!/bin/sh
test_description='tt-fit: a loss that is not finite stops training and writes nothing'
. "$(dirname "$0")/test-lib.sh"

ml-synth --users 100 --items 60 --ratings 3000 --seed 2 --format seq | ml-prep >ml.tts &&
tt-fit --dim 8 --hidden 8 --history 10 --blocks 1 --epochs 1 ml.tts >good.bin || exit 1

# A copy of good.bin with one weight set to NaN: the records are rewritten
# by hand (tt-stream(5)) and compressed by zstd(1).
test_expect_success NUMPY 'a model with a NaN weight' '
	tt-dump --npy w good.bin &&
	/usr/bin/python3 - w >raw <<-\EOF &&
	import os, struct, sys
	import numpy as np
	d = sys.argv[1]
	out = sys.stdout.buffer
	def record(name, dtype, arr):
	    arr = np.ascontiguousarray(arr)
	    out.write(b"TTS\x01" + struct.pack("<BBH", dtype, arr.ndim, len(name)))
	    out.write(struct.pack("<%dQ" % arr.ndim, *arr.shape))
	    out.write(name.encode() + arr.tobytes())
	meta = bytes(np.load(os.path.join(d, "meta.npy")))
	record("meta", 6, np.frombuffer(meta, dtype=np.uint8))
	codes = {np.dtype("<f4"): 4, np.dtype("<i8"): 3, np.dtype("<i4"): 2, np.dtype("u1"): 1}
	for f in sorted(os.listdir(d)):
	    name = f[:-4]
	    if name == "meta":
	        continue
	    a = np.load(os.path.join(d, f))
	    if name == "item_emb":
	        a = a.copy(); a[3, 2] = np.nan
	    record(name, 6 if name == "titles" else codes[a.dtype], a)
	out.write(b"TTS\x01" + struct.pack("<BBH", 0, 0, 0))
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
