#!/bin/sh
test_description='faults: dying writers, full disks, closed pipes, signals, models of another shape or version, the format limits of tt-stream(5), edge inputs'
. "$(dirname "$0")/test-lib.sh"

# A data set whose prep stream is a few hundred KB, and a small model.
# Under valgrind a tenth of it (30 KB): an epoch of tt-fit, which the
# SIGTERM tests wait for, takes 45 s there on the larger one.  Both have
# 500 items.  CUT, half the prep stream, is where the tests cut it.
if [ "$VALGRIND" = 1 ]; then
	ml-synth --users 400 --items 500 --ratings 20000 --seed 3 --format seq >big.txt
else
	ml-synth --users 2000 --items 500 --ratings 200000 --seed 3 --format seq >big.txt
fi &&
ml-prep big.txt >big.tts || exit 1
CUT=$(($(wc -c <big.tts) / 2))
# every setting the data would choose: tt-fit then has nothing to say
GIVEN="--heads 2 --dropout 0.1 --weight-decay 0 --lr-schedule linear --epochs 24"
tt-fit $TINY --max-steps 2 big.tts >good.bin &&
tt-embed good.bin >items.tts &&
tt-embed --users good.bin big.tts >users.tts || exit 1

# restream.py [--meta OLD=NEW]... [--version N]: rewrite the decompressed
# records of a tensor stream (tt-stream(5)) read from stdin, changing the
# meta text or the version byte of every record.
cat >restream.py <<-\EOF
import sys, tts
args = sys.argv[1:]
subs, version = [], None
while args:
    if args[0] == "--meta":
        old, new = args[1].split("=", 1)[0], args[1]
        subs.append((old, new)); args = args[2:]
    elif args[0] == "--version":
        version = int(args[1]); args = args[2:]
    else:
        sys.exit("restream.py: bad argument " + args[0])
for r in tts.records(sys.stdin.buffer.read()):
    if r.name == "meta":
        lines = r.text().splitlines()
        for old, new in subs:
            lines = [new if l.split("=", 1)[0] == old else l for l in lines]
        r.data = ("\n".join(lines) + "\n").encode()
        r.dims = [len(r.data)]
    sys.stdout.buffer.write(r.bytes(version))
EOF
restream() {
	in=$1 out=$2
	shift 2
	zstd -q -dc "$in" | /usr/bin/python3 restream.py "$@" >"$out.raw" &&
	zstd -q -c "$out.raw" >"$out"
}
command -v /usr/bin/python3 >/dev/null && command -v zstd >/dev/null &&
	test_set_prereq PYZSTD

# ---- upstream killed mid-stream ----

test_expect_success 'ml-prep | head -c CUT | tt-fit: truncated, exit 1, no model' '
	ml-prep big.txt | head -c $CUT | tt-fit $TINY -o cut.bin 2>err;
	test $? = 1 &&
	test_grep "^tt-fit: <stdin>: .*truncated stream" err &&
	! test -e cut.bin &&
	! ls cut.bin.tmp* 2>/dev/null
'

test_expect_success 'the same cut with -o over an existing model: it stays intact' '
	cp good.bin keep.bin &&
	ml-prep big.txt | head -c $CUT | tt-fit $TINY -o keep.bin 2>err;
	test $? = 1 &&
	test_grep "truncated stream" err &&
	cmp good.bin keep.bin &&
	! ls keep.bin.tmp* 2>/dev/null
'

test_expect_success 'a cut batch stream into tt-dump, tt-batch and tt-embed' '
	head -c $CUT big.tts >cut.tts &&
	test_must_fail tt-dump cut.tts >/dev/null 2>err &&
	test_grep "truncated stream" err &&
	test_must_fail tt-batch cut.tts >/dev/null 2>err &&
	test_grep "truncated stream" err &&
	test_must_fail tt-embed --users -o u.tts good.bin cut.tts 2>err &&
	test_grep "truncated stream" err && ! test -e u.tts &&
	head -c 3000 good.bin >cutmodel.bin &&
	test_must_fail tt-embed -o i.tts cutmodel.bin 2>err &&
	test_grep "cutmodel.bin: .*truncated stream" err && ! test -e i.tts
'

test_expect_success 'kill -9 of the writer while tt-fit reads a fifo: exit 1, no model' '
	mkfifo fifo || exit 1
	tt-batch --history 10 --batch 16 --epochs 1000 big.tts >fifo &
	writer=$!
	tt-fit $TINY -o killed.bin fifo 2>err &
	reader=$!
	# the writer opened the fifo (so the reader has it too) before it dies
	wait_until "! kill -0 $reader 2>/dev/null ||
		test \"\$(readlink /proc/$writer/fd/1)\" = \"$SCRATCH/fifo\"" &&
	sleep 1 &&
	kill -9 $writer &&
	{ wait $reader; code=$?; } ;
	test $code = 1 &&
	test_grep "^tt-fit: fifo: .*truncated stream" err &&
	! test -e killed.bin &&
	! ls killed.bin.tmp* 2>/dev/null
'

test_expect_success 'kill -9 of the writer of a pipe into tt-dump: exit 1' '
	{ tt-batch --history 10 --batch 16 --epochs 1000 big.tts & echo $! >writer.pid; wait; } |
		tt-dump >/dev/null 2>err &
	dump=$!
	# the writer has written into the pipe (or is gone already)
	written() {
		w=$(cat writer.pid 2>/dev/null) && test -n "$w" &&
		{ ! kill -0 $w 2>/dev/null || awk "/^wchar:/ { exit !(\$2 > 0) }" /proc/$w/io; }
	}
	wait_until written &&
	kill -9 $w &&
	{ wait $dump; code=$?; } ;
	test $code = 1 &&
	test_grep "truncated stream" err
'

# ---- full disk ----

test_expect_success 'output to /dev/full: a clear error, exit 1' '
	for cmd in "tt-dump big.tts" "tt-dump --tsv items big.tts" "ml-prep big.txt" \
		"tt-fit $TINY $GIVEN --max-steps 1 big.tts" "tt-batch big.tts" "tt-embed good.bin" \
		"tt-topk items.tts users.tts" "tt-topk --format tts items.tts users.tts" \
		"ml-synth"; do
		$cmd >/dev/full 2>err; code=$?
		test $code = 1 || { echo "$cmd: exit $code" >&2; return 1; }
		test_grep "standard output: .*No space left on device" err || return 1
	done
'

# A file size limit stands in for a full disk under -o: with SIGXFSZ
# ignored the write fails (EFBIG) and is reported; by default the signal
# kills the program, whose temporary file is removed all the same.
test_expect_success '-o with the disk full (ulimit -f): error, previous file intact' '
	for cmd in "tt-fit $TINY --max-steps 1 -o keep.out big.tts" \
		"ml-prep -o keep.out big.txt" "tt-embed -o keep.out good.bin" \
		"tt-embed --users -o keep.out good.bin big.tts" "tt-batch -o keep.out big.tts" \
		"tt-topk -o keep.out items.tts users.tts" \
		"tt-topk --format tts -o keep.out items.tts users.tts" "ml-synth -o keep.out"; do
		cp big.txt keep.out &&
		(ulimit -f 8; trap "" XFSZ; $cmd) 2>err; code=$?
		test $code = 1 || { echo "$cmd: exit $code" >&2; return 1; }
		test_grep "keep.out: write (error|failed).*File too large" err &&
		cmp big.txt keep.out &&
		! ls keep.out.tmp* 2>/dev/null || return 1
		(ulimit -f 8; exec $cmd) 2>err; code=$?
		test $code = 153 || { echo "$cmd: exit $code" >&2; return 1; }
		cmp big.txt keep.out &&
		! ls keep.out.tmp* 2>/dev/null || return 1
	done
'

test_expect_success '-o into a missing directory: a clear error' '
	test_must_fail tt-fit $TINY --max-steps 1 -o nodir/m.bin big.tts 2>err &&
	test_grep "^tt-fit: nodir/m.bin: cannot create a file in nodir: No such file" err
'

# ---- closed pipe ----

# The reader closes its end before the writer starts, so every write fails.
# As tt(7) says: a writer whose reader went away stops without a message,
# by SIGPIPE (141) or exit 0; it never hangs (timeout: 124) or reports a
# false error.  (Lines from valgrind, "==", are not the program's.)
test_expect_success 'output into a closed pipe: quiet, no hang' '
	for cmd in "ml-prep big.txt" "tt-dump big.tts" "tt-batch big.tts" \
		"tt-fit $TINY $GIVEN --max-steps 1 big.tts" "tt-embed good.bin" \
		"tt-topk items.tts users.tts" "tt-topk --format tts items.tts users.tts" \
		"ml-synth -u 2000 -r 100000"; do
		rm -f closed &&
		{ wait_until "test -e closed";
		  timeout 60 $cmd 2>err; echo $? >code; } | { exec <&-; touch closed; sleep 0.1; } &&
		code=$(cat code) &&
		{ test "$code" = 0 || test "$code" = 141 ||
			{ echo "$cmd: exit $code" >&2; cat err >&2; return 1; }; } &&
		{ ! grep -v -e "^==" -e "^tt-fit: epoch 1/24 loss " err | grep -q . || { echo "$cmd:" >&2; cat err >&2; return 1; }; }
	done
'

test_expect_success 'the same with SIGPIPE ignored: exit 0 quietly or 1 naming the broken pipe' '
	for cmd in "ml-prep big.txt" "tt-dump big.tts" "tt-batch big.tts" \
		"tt-fit $TINY $GIVEN --max-steps 1 big.tts" "tt-embed good.bin" \
		"tt-topk items.tts users.tts" "ml-synth -u 2000 -r 100000"; do
		rm -f closed &&
		{ trap "" PIPE; wait_until "test -e closed";
		  timeout 60 $cmd 2>err; echo $? >code; } | { exec <&-; touch closed; sleep 0.1; } &&
		code=$(cat code) &&
		case $code in
		0) ! test -s err || { echo "$cmd: exit 0 with a message" >&2; cat err >&2; return 1; } ;;
		1) test_grep "standard output: write (error|failed).*Broken pipe" err || return 1 ;;
		*) echo "$cmd: exit $code" >&2; return 1 ;;
		esac
	done
'

# ---- signals ----

test_expect_success 'SIGTERM: finishes the step, saves the model atomically, exits 130' '
	cp good.bin term.bin || exit 1
	tt-fit $TINY --epochs 100000 --log term.tsv -o term.bin big.tts 2>err &
	pid=$! &&
	wait_until "! kill -0 $pid 2>/dev/null || { test -s term.tsv && test \$(wc -l <term.tsv) -ge 2; }" &&
	cmp good.bin term.bin &&
	kill -TERM $pid &&
	{ wait $pid; code=$?; } ;
	test $code = 130 &&
	! cmp -s good.bin term.bin &&
	tt-dump term.bin >dump &&
	test_grep "^item_emb" dump &&
	! ls term.bin.tmp* 2>/dev/null &&
	tt-embed term.bin >/dev/null
'

test_expect_success 'SIGTERM with --valid: the best epoch so far is what is saved' '
	tt-fit $TINY --valid --epochs 100000 --log best.tsv -o best.bin big.tts 2>err &
	pid=$! &&
	wait_until "! kill -0 $pid 2>/dev/null || { test -s best.tsv && test \$(wc -l <best.tsv) -ge 4; }" &&
	kill -TERM $pid &&
	{ wait $pid; code=$?; } ;
	test $code = 130 &&
	tt-dump best.bin >dump &&
	best=$(awk -F"\t" "NR > 1 && \$5 != \"\" && (e == \"\" || \$5 + 0 > b + 0) { b = \$5; e = \$1 } END { print e, b }" best.tsv) &&
	saved=$(awk -F= "/best_epoch=/ { e = \$2 } /valid_ndcg10=/ { n = \$2 } END { print e, n }" dump) &&
	echo "best in the log: $best; saved: $saved" &&
	test "$best" = "$saved"
'

test_expect_success 'SIGTERM while tt-fit writes to stdout: a complete stream' '
	tt-fit $TINY --epochs 100000 --log term2.tsv big.tts >term2.bin 2>err &
	pid=$! &&
	wait_until "! kill -0 $pid 2>/dev/null || { test -s term2.tsv && test \$(wc -l <term2.tsv) -ge 2; }" &&
	kill -TERM $pid &&
	{ wait $pid; code=$?; } ;
	test $code = 130 &&
	tt-dump term2.bin >/dev/null
'

# ---- models of another architecture or version ----

test_expect_success PYZSTD 'restream.py reproduces a stream record for record' '
	restream good.bin same.bin &&
	tt-dump --tsv item_emb good.bin >expect &&
	tt-dump --tsv item_emb same.bin >actual &&
	test_cmp expect actual &&
	tt-embed same.bin >/dev/null
'

test_expect_success PYZSTD 'seed weights under a tt meta: tt-embed names the weight' '
	tt-fit --arch seed --dim 8 --hidden 8 --history 10 --threads 1 --max-steps 1 big.tts >seed.bin &&
	restream seed.bin seed-as-tt.bin --meta arch=tt --meta blocks=1 &&
	test_must_fail tt-embed -o x.tts seed-as-tt.bin 2>err &&
	echo "tt-embed: seed-as-tt.bin: weight user_emb: not part of a tt model with these options" >expect &&
	test_cmp expect err && ! test -e x.tts
'

test_expect_success PYZSTD 'tt weights under a seed meta' '
	restream good.bin tt-as-seed.bin --meta arch=seed &&
	test_must_fail tt-embed tt-as-seed.bin >x.tts 2>err &&
	test_grep "tt-as-seed.bin: weight .*(not part of a seed model|missing)" err
'

test_expect_success PYZSTD 'another width or depth than the weights: the expected shape' '
	restream good.bin wide.bin --meta dim=16 &&
	test_must_fail tt-embed wide.bin >x.tts 2>err &&
	test_grep "wide.bin: record item_emb: expected f32 \(500,16\), not f32 \(500,8\)$" err &&
	restream good.bin deep.bin --meta blocks=2 &&
	test_must_fail tt-embed deep.bin >x.tts 2>err &&
	test_grep "deep.bin: weight block1\..*: missing" err
'

test_expect_success PYZSTD 'another stream version: refused, naming it' '
	restream good.bin v2.bin --version 2 &&
	test_must_fail tt-embed v2.bin >x.tts 2>err &&
	echo "tt-embed: v2.bin: unsupported stream version 2" >expect &&
	test_cmp expect err &&
	test_must_fail tt-fit --init v2.bin $TINY big.tts >x.bin 2>err &&
	test_grep "v2.bin: unsupported stream version 2" err
'

test_expect_success 'not a model: kind named' '
	test_must_fail tt-embed big.tts >x.tts 2>err &&
	echo "tt-embed: big.tts: not a model stream (kind=prep)" >expect &&
	test_cmp expect err
'

# ---- limits, at the boundary (tt-stream(5) LIMITS) ----

# records.py SPEC...: raw records to stdout.  SPEC is end, meta:TEXT (\n
# for newlines, +N appends N bytes of padding) or DTYPE:NAME:D1,D2,...
# (dims may be empty for rank 0); the data, zeros, is written only when it
# is at most 1 MiB, so larger records read as truncated after the header.
cat >records.py <<-\EOF
import sys, tts
out = sys.stdout.buffer
for spec in sys.argv[1:]:
    if spec == "end":
        out.write(tts.end())
    elif spec.startswith("meta:"):
        text, _, pad = spec[5:].partition("+")
        out.write(tts.text_record("meta", text.replace("\\n", "\n") + "x" * int(pad or 0)))
    else:
        dtype, name, dims = spec.split(":")
        dtype, dims = int(dtype), [int(eval(d)) for d in dims.split(",") if d]
        n = tts.size(dtype, dims)
        out.write(tts.record(name, dtype, dims, bytes(n) if n <= 1 << 20 else b""))
EOF
records() { /usr/bin/python3 records.py "$@" | zstd -q -c; }

test_expect_success PYZSTD 'rank 8 is read, rank 9 refused' '
	records meta:kind=t\\n 1:r8:1,1,1,1,1,1,1,2 end >r8.tts &&
	tt-dump r8.tts >dump && test_grep "^r8 +u8 +\(1,1,1,1,1,1,1,2\)" dump &&
	records meta:kind=t\\n 1:r9:1,1,1,1,1,1,1,1,2 end >r9.tts &&
	test_must_fail tt-dump r9.tts >/dev/null 2>err &&
	test_grep "rank 9 larger than 8" err
'

test_expect_success PYZSTD 'a name of 255 bytes is read, 256 refused' '
	n255=$(printf "%0255d" 0) && n256=$(printf "%0256d" 0) &&
	records meta:kind=t\\n 1:$n255:1 end >n255.tts &&
	tt-dump n255.tts >dump && test_grep "^$n255 " dump &&
	records meta:kind=t\\n 1:$n256:1 end >n256.tts &&
	test_must_fail tt-dump n256.tts >/dev/null 2>err &&
	test_grep "name length 256 out of range 1..255" err
'

test_expect_success PYZSTD 'a dimension of 2^48 passes the header check, 2^48+1 does not' '
	records meta:kind=t\\n "1:big:2**48" >d48.tts &&
	test_must_fail tt-dump d48.tts >/dev/null 2>err &&
	test_grep "truncated stream" err &&
	records meta:kind=t\\n "1:big:2**48+1" >d49.tts &&
	test_must_fail tt-dump d49.tts >/dev/null 2>err &&
	test_grep "record big: dimension larger than 2\^48" err
'

test_expect_success PYZSTD 'data of 2^56 bytes passes the header check, more does not' '
	records meta:kind=t\\n "4:big:2**48,2**6" >b56.tts &&
	test_must_fail tt-dump b56.tts >/dev/null 2>err &&
	test_grep "truncated stream" err &&
	records meta:kind=t\\n "4:big:2**48,2**6+1" >b57.tts &&
	test_must_fail tt-dump b57.tts >/dev/null 2>err &&
	test_grep "record big: data larger than 2\^56 bytes" err &&
	records meta:kind=t\\n "1:big:2**48,2**48" >ovf.tts &&
	test_must_fail tt-dump ovf.tts >/dev/null 2>err &&
	test_grep "record big: (product of dimensions overflows|data larger)" err
'

test_expect_success PYZSTD 'a meta record of 1 MiB is read, one byte more refused' '
	pad=$((1048576 - 11)) &&
	records "meta:kind=model\\n+$pad" end >m20.bin &&
	test_must_fail tt-embed m20.bin >/dev/null 2>err &&
	test_grep "m20.bin: meta: (no arch=|arch= must be)" err &&
	records "meta:kind=model\\n+$((pad + 1))" end >m21.bin &&
	test_must_fail tt-embed m21.bin >/dev/null 2>err &&
	test_grep "m21.bin: record meta: .*more than the limit of 1048576" err
'

test_expect_success PYZSTD 'a record that declares 2^40 bytes and holds none: truncated, not out of memory' '
	zstd -q -dc big.tts | head -c -8 >huge.raw &&
	/usr/bin/python3 records.py "6:titles:2**40" >>huge.raw &&
	zstd -q -c huge.raw >huge.tts &&
	test_must_fail tt-embed --users good.bin huge.tts >x.tts 2>err &&
	test_grep "huge.tts: truncated stream: inside the data of record titles$" err
'

test_expect_success 'history, dim and hidden: the largest accepted, one more refused' '
	test_must_fail tt-fit --history 4097 big.tts >x.bin 2>err &&
	test_grep "history: 4097 is out of range 1..4096" err &&
	test_must_fail tt-fit --dim 4097 big.tts >x.bin 2>err &&
	test_grep "dim: 4097 is out of range 1..4096" err &&
	test_must_fail tt-fit --hidden 65537 big.tts >x.bin 2>err &&
	test_grep "hidden: 65537 is out of range 1..65536" err &&
	test_must_fail tt-batch --history 4097 big.tts >x.tts 2>err &&
	test_grep "history: 4097 is out of range 1..4096" err &&
	tt-fit --history 4096 --dim 4 --hidden 4 --heads 1 --blocks 1 --batch 2 --threads 1 \
		--max-steps 1 -o h4096.bin big.tts &&
	tt-dump h4096.bin >dump && test_grep "^pos_emb +f32 +\(4096,4\)" dump
'

test_expect_success PYZSTD 'a batch stream meta: history out of range or not a number' '
	tt-batch --history 4 --batch 8 big.tts >hb.tts &&
	restream hb.tts h4097.tts --meta history=4097 &&
	test_must_fail tt-fit -o hbad.bin h4097.tts 2>err &&
	test_grep "h4097.tts: batch stream meta: history=4097 is not an integer in 1..4096" err &&
	restream hb.tts h4x.tts --meta history=4x &&
	test_must_fail tt-fit -o hbad.bin h4x.tts 2>err &&
	test_grep "h4x.tts: batch stream meta: history=4x is not an integer in 1..4096" err &&
	restream hb.tts s1x.tts --meta steps=1x &&
	test_must_fail tt-fit -o hbad.bin s1x.tts 2>err &&
	test_grep "s1x.tts: batch stream meta: steps=1x is not an integer" err &&
	! test -e hbad.bin
'

test_expect_success PYZSTD 'prep counts: 2^31-1 passes the meta check, 2^31 does not' '
	restream big.tts u2g.tts --meta users=2147483647 &&
	test_must_fail tt-fit $TINY u2g.tts >x.bin 2>err &&
	test_grep "u2g.tts: record user_ids: expected i64 \(2147483647\)" err &&
	restream big.tts u2g1.tts --meta users=2147483648 &&
	test_must_fail tt-fit $TINY u2g1.tts >x.bin 2>err &&
	test_grep "u2g1.tts: meta: users=2147483648 is not a count 0..2\^31-1" err
'

test_expect_success PYZSTD 'genres: 4096 passes the limit, 4097 does not' '
	printf "1 1\n1 2\n" >gr.txt &&
	ml-prep gr.txt >g.tts &&
	zstd -q -dc g.tts | head -c -8 >g.raw &&
	cp g.raw g4097.raw &&
	/usr/bin/python3 records.py "1:genres:2,4096" end >>g.raw &&
	/usr/bin/python3 records.py "1:genres:2,4097" end >>g4097.raw &&
	zstd -q -c g.raw >g4096.tts && zstd -q -c g4097.raw >g4097.tts &&
	test_must_fail tt-fit $TINY g4096.tts >x.bin 2>err &&
	test_grep "record genre_names: missing" err &&
	test_must_fail tt-fit $TINY g4097.tts >x.bin 2>err &&
	test_grep "record genres: expected u8 \(2,G\), G <= 4096" err
'

test_expect_success PYZSTD 'a model meta over the limits: refused before allocating' '
	restream good.bin u31.bin --meta users=2147483648 &&
	test_must_fail tt-embed u31.bin >x.tts 2>err &&
	test_grep "u31.bin: more than 2\^31 users or items" err &&
	restream good.bin e4097.bin --meta dim=4097 &&
	test_must_fail tt-embed e4097.bin >x.tts 2>err &&
	test_grep "e4097.bin: sizes out of range" err
'

# ---- edge inputs (documented in ml-prep(1) and tt-fit(1)) ----

test_expect_success '0 users: ml-prep and tt-fit refuse empty input' '
	: >empty.txt &&
	test_must_fail ml-prep -o e.tts empty.txt 2>err &&
	test_grep "no interactions" err && ! test -e e.tts &&
	test_must_fail tt-fit $TINY -o e.bin </dev/null 2>err &&
	echo "tt-fit: <stdin>: truncated stream: empty input" >expect &&
	test_cmp expect err && ! test -e e.bin
'

test_expect_success '1 item: no training examples unless repeats are kept' '
	printf "1 7\n1 7\n2 7\n2 7\n3 7\n3 7\n" >one.txt &&
	ml-prep one.txt >one.tts &&
	tt-dump --tsv item_ids one.tts >actual && echo 7 >expect && test_cmp expect actual &&
	test_must_fail tt-fit $TINY -o one.bin one.tts 2>err &&
	test_grep "no training examples" err && ! test -e one.bin &&
	ml-prep --keep-repeats one.txt >one2.tts &&
	tt-fit $TINY --max-steps 2 one2.tts >one2.bin &&
	tt-embed one2.bin >oi.tts &&
	tt-embed --users one2.bin one2.tts >ou.tts &&
	tt-topk -k 10 oi.tts ou.tts >recs &&
	! test -s recs &&
	tt-topk -k 10 --keep-seen oi.tts ou.tts >recs &&
	test $(wc -l <recs) = 3
'

test_expect_success 'a user with 1 interaction: training only, embedded from it' '
	printf "1 1\n1 2\n1 3\n1 4\n2 3\n" >u1.txt &&
	ml-prep u1.txt >u1.tts &&
	tt-dump --tsv valid u1.tts >actual && printf "2\n-1\n" >expect && test_cmp expect actual &&
	tt-dump --tsv test u1.tts >actual && printf "3\n-1\n" >expect && test_cmp expect actual &&
	tt-fit $TINY --max-steps 2 u1.tts >u1.bin &&
	tt-embed --users u1.bin u1.tts >uu.tts &&
	tt-dump --tsv ids uu.tts >actual && printf "1\n2\n" >expect && test_cmp expect actual
'

test_expect_success 'all users identical: identical user vectors and lists' '
	for u in $(seq 1 50); do for i in 3 1 4 5 9 2 6; do echo "$u $i"; done; done >same.txt &&
	ml-prep same.txt >same.tts &&
	tt-fit $TINY --max-steps 2 same.tts >same.bin &&
	tt-embed same.bin >si.tts &&
	tt-embed --users same.bin same.tts >su.tts &&
	tt-topk -k 3 si.tts su.tts >recs &&
	test $(wc -l <recs) = 50 &&
	test $(cut -f 2- recs | sort -u | wc -l) = 1 &&
	tt-topk -k 3 --keep-seen si.tts su.tts >recs &&
	test $(wc -l <recs) = 150 &&
	test $(cut -f 2- recs | sort -u | wc -l) = 3
'

test_expect_success 'an id of 2^63-1 survives the pipeline; 2^63 is a string id' '
	M=9223372036854775807 &&
	printf "1 $M\n1 5\n1 6\n1 7\n$M 5\n$M 6\n$M $M\n$M 7\n" >max.txt &&
	ml-prep max.txt >max.tts &&
	tt-dump --tsv item_ids max.tts >actual && printf "5\n6\n7\n$M\n" >expect && test_cmp expect actual &&
	tt-dump --tsv user_ids max.tts >actual && printf "1\n$M\n" >expect && test_cmp expect actual &&
	tt-fit $TINY --max-steps 2 max.tts >max.bin &&
	tt-embed max.bin >mi.tts &&
	tt-embed --users max.bin max.tts >mu.tts &&
	tt-topk -k 4 --keep-seen mi.tts mu.tts >recs &&
	test_grep "^$M	1	" recs &&
	test_grep "^1	[1-4]	$M	" recs &&
	printf "1 9223372036854775808\n" >over.txt &&
	ml-prep over.txt >x.tts &&
	tt-dump --tsv item_names x.tts >actual && echo 9223372036854775808 >expect &&
	test_cmp expect actual
'

test_expect_success 'a 100,000-item history: ml-prep, tt-fit, tt-embed, tt-topk' '
	awk "BEGIN { for (i = 1; i <= 100000; i++) print 1, i; print 2, 1; print 2, 2; print 2, 3 }" >long.txt &&
	ml-prep long.txt >long.tts &&
	tt-dump --tsv offsets long.tts >actual && printf "0\n100000\n100003\n" >expect &&
	test_cmp expect actual &&
	tt-fit $TINY --max-steps 2 long.tts >long.bin &&
	tt-embed long.bin >li.tts &&
	tt-embed --users long.bin long.tts >lu.tts &&
	tt-dump --tsv seen_offsets lu.tts >actual && printf "0\n99999\n100001\n" >expect &&
	test_cmp expect actual &&
	tt-topk -k 5 li.tts lu.tts >recs &&
	echo "1	1	100000" >expect && grep "^1	" recs | cut -f 1-3 >actual && test_cmp expect actual &&
	test $(grep -c "^2	" recs) = 5
'

test_done
