#!/bin/sh
test_description='tt-fit: data it cannot learn from is refused, a signal is heeded while it waits for input, and the log is written or said not to be'
. "$(dirname "$0")/test-lib.sh"

test_pipeline --plain --to model $TINY --max-steps 3 &&
ml-prep --split none r.txt >none.tts || exit 1

command -v /usr/bin/python3 >/dev/null && command -v zstd >/dev/null &&
	test_set_prereq PYZSTD

test_expect_success '--valid on a split with no validation targets: an error, no model' '
	test_must_fail tt-fit $TINY --valid -o v.bin none.tts 2>err &&
	test_grep "^tt-fit: none.tts: .*no user has a validation target \(a prep stream of --split none" err &&
	! test -e v.bin &&
	test_must_fail tt-fit $TINY --patience 2 -o v.bin none.tts 2>err &&
	test_grep "no user has a validation target" err &&
	! test -e v.bin
'

test_expect_success 'users of 2 interactions have no validation target either' '
	awk -F"::" "{ n[\$1]++; if (n[\$1] <= 2) print }" r.txt >two.txt &&
	ml-prep two.txt >two.tts &&
	test_must_fail tt-fit $TINY --valid -o v.bin two.tts 2>err &&
	test_grep "no user has a validation target" err
'

test_expect_success '--test on a split with no test users: an error, no model' '
	test_must_fail tt-fit $TINY --test -o t.bin none.tts 2>err &&
	test_grep "^tt-fit: none.tts: --test: no user has a test target" err &&
	! test -e t.bin
'

test_expect_success 'a prep of no training examples: tt-batch refuses it as tt-fit does' '
	printf "1::1::5::1\n2::2::5::1\n3::1::5::1\n" >single.dat &&
	ml-prep single.dat >single.tts &&
	test_must_fail tt-fit $TINY -o s.bin single.tts 2>err &&
	test_grep "no training examples" err &&
	test_must_fail tt-batch -o b.tts single.tts 2>err &&
	test_grep "^tt-batch: single.tts: no training examples" err &&
	! test -e b.tts
'

# batches_cut.py: a batch stream (decompressed, stdin) up to its first batch,
# then the end record: a stream of no batches.
cat >batches_cut.py <<-\EOF
import sys, tts
for r in tts.records(sys.stdin.buffer.read()):
    if r.dtype == tts.END or r.name == "users":
        sys.stdout.buffer.write(tts.end(r.version))
        break
    sys.stdout.buffer.write(r.raw)
EOF

test_expect_success PYZSTD 'a batch stream of no batches: an error, not an untrained model' '
	tt-batch --history 10 --batch 16 prep.tts >b.tts &&
	zstd -q -dc b.tts | /usr/bin/python3 batches_cut.py | zstd -q -c >empty.tts &&
	tt-dump empty.tts >dump &&
	! grep -q "^users " dump &&
	test_must_fail tt-fit --threads 1 -o e.bin empty.tts 2>err &&
	test_grep "^tt-fit: empty.tts: no training examples: the batch stream has no batches$" err &&
	! test -e e.bin
'

test_expect_success 'SIGTERM while blocked on a batch stream: the steps done are written, exit 130' '
	tt-batch --history 10 --batch 16 --epochs 50 prep.tts >b50.tts || exit 1
	mkfifo fifo || exit 1
	{ head -c 60000 b50.tts; : >sent; exec sleep 300; } >fifo &
	writer=$!
	tt-fit --threads 1 -o blocked.bin fifo 2>err &
	pid=$!
	# sent all it will, and tt-fit waits in read(2) for more (or has died)
	wait_until "! kill -0 $pid 2>/dev/null || { test -e sent && grep -q pipe_read /proc/$pid/wchan; }" &&
	kill -TERM $pid &&
	{ wait $pid; code=$?; } ;
	kill $writer 2>/dev/null
	test $code = 130 &&
	test_grep "^tt-fit: Terminated after [1-9][0-9]* steps: .* written to blocked.bin$" err &&
	tt-dump blocked.bin | test_grep "^    steps=[1-9]" - &&
	tt-embed blocked.bin >/dev/null
'

test_expect_success '--log on a full device: an error naming the log, no model' '
	test_must_fail tt-fit $TINY --max-steps 2 --log /dev/full -o f.bin prep.tts 2>err &&
	test_grep "^tt-fit: --log /dev/full: No space left on device$" err &&
	! test -e f.bin
'

test_expect_success '--log that is an input or the output is refused before anything is read' '
	cp model.bin keep.bin &&
	test_must_fail tt-fit $TINY --max-steps 1 --init keep.bin --log keep.bin -o new.bin prep.tts 2>err &&
	test_grep "^tt-fit: --log keep.bin is also the model of --init" err &&
	cmp model.bin keep.bin &&
	cp prep.tts keep.tts &&
	test_must_fail tt-fit $TINY --max-steps 1 --log keep.tts keep.tts 2>err &&
	test_grep "^tt-fit: --log keep.tts is also the input" err &&
	cmp prep.tts keep.tts &&
	test_must_fail tt-fit $TINY --max-steps 1 --log keep.bin -o keep.bin prep.tts 2>err &&
	test_grep "is also the model written" err &&
	cmp model.bin keep.bin &&
	! test -e new.bin
'

test_done
