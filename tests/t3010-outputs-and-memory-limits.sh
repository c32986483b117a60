#!/bin/sh
test_description='outputs that are not regular files (-o onto a fifo, a device, a link), a closed standard output, memory limits, usage errors said at start-up'
. "$(dirname "$0")/test-lib.sh"

test_pipeline &&
tt-topk -k 10 items.tts users.tts >recs.txt || exit 1

# ---- -o: atomic for regular files, in place for the rest ----

test_expect_success '-o onto a fifo writes through it, the fifo stays' '
	mkfifo fifo || exit 1
	cat fifo >got.txt &
	reader=$!
	# a tt-topk that failed, or put a file where the fifo was, leaves
	# the reader blocked on the fifo: it is killed, the test fails
	if tt-topk -k 10 -o fifo items.tts users.tts && test -p fifo; then
		wait $reader && test_cmp recs.txt got.txt
	else
		kill $reader; false
	fi
'

# Never -o /dev/null itself: a broken build would replace it for the
# whole machine.  A device node of our own (as root), or a link to it.
mknod nulldev c 1 3 2>/dev/null && test_set_prereq MKNOD

test_expect_success MKNOD '-o onto a character device writes to it, the device stays' '
	tt-topk -k 3 -o nulldev items.tts users.tts &&
	test -c nulldev &&
	tt-fit $TINY --max-steps 1 -o nulldev prep.tts &&
	test -c nulldev
'

test_expect_success '-o onto a symlink to a device writes to the device, the link stays' '
	ln -s /dev/null null &&
	tt-topk -k 3 -o null items.tts users.tts &&
	test -L null && test -c /dev/null
'

test_expect_success '-o onto a symlink replaces its target, the link stays' '
	echo old >target.txt &&
	ln -s target.txt link.txt &&
	tt-topk -k 10 -o link.txt items.tts users.tts &&
	test -L link.txt &&
	test_cmp recs.txt target.txt &&
	! ls target.txt.tmp* link.txt.tmp* 2>/dev/null
'

test_expect_success '-o onto a dangling symlink creates its target' '
	ln -s made.txt dangling.txt &&
	tt-topk -k 10 -o dangling.txt items.tts users.tts &&
	test -L dangling.txt &&
	test_cmp recs.txt made.txt
'

# (timeout: a tt-fit that said it only after 1000 epochs would take
# minutes; 124 is its failure, as is an epoch line before the message)
test_expect_success '-o into a directory that cannot be written: said at start-up' '
	timeout -k 5 60 tt-fit --epochs 1000 -o /proc/nodir/model.bin prep.tts 2>err;
	test $? = 1 &&
	test_grep "^tt-fit: /proc/nodir/model.bin: " err &&
	! grep "^tt-fit: epoch " err
'

test_expect_success '-o "": a usage error at start-up, not after training' '
	tt-fit $TINY --max-steps 2 -o "" prep.tts 2>err; test $? = 2 &&
	test_grep "^tt-fit: an empty output file name$" err &&
	! ls .tmp* 2>/dev/null &&
	tt-topk -o "" items.tts users.tts 2>err; test $? = 2 &&
	test_grep "^tt-topk: an empty output file name$" err
'

test_expect_success 'tt-fit -o: no temporary file before the model is written' '
	tt-fit $TINY --epochs 100000 -o slow.bin prep.tts 2>err &
	pid=$!
	wait_until "! kill -0 $pid 2>/dev/null || ls -l /proc/$pid/fd 2>/dev/null | grep -q prep.tts"
	sleep 1
	ls slow.bin.tmp* >tmps 2>/dev/null
	alive=no
	kill -9 $pid && alive=yes
	wait $pid
	test $alive = yes &&
	! test -s tmps &&
	! ls slow.bin.tmp* 2>/dev/null && ! test -e slow.bin
'

test_expect_success '-o with standard output closed: no false write error' '
	tt-topk -k 10 -o closed.txt items.tts users.tts >&- 2>err &&
	test_cmp recs.txt closed.txt &&
	! test -s err &&
	ml-prep -o closed.tts r.txt >&- &&
	tt-dump closed.tts >/dev/null
'

test_expect_success 'standard output closed and used: a write error, exit 1' '
	test_must_fail tt-topk -k 10 items.tts users.tts >&- 2>err &&
	test_grep "^tt-topk: standard output: write failed" err
'

# ---- memory limits: an error or a result, never a hang ----
# (timeout: an old build hangs here; 124 or 137 is its failure).
# ASan and valgrind reserve much address space: no ulimit -v under them.
[ "$VALGRIND" = 1 ] ||
	case $(cat "$TOP/bin/.mode" 2>/dev/null) in opt*) test_set_prereq ULIMIT ;; esac

test_expect_success ULIMIT 'tt-batch under ulimit -v 60000 needs no BLAS: it runs' '
	tt-batch --history 10 --batch 16 prep.tts >want.tts &&
	(ulimit -v 60000; exec timeout -k 5 60 tt-batch --history 10 --batch 16 -o got.tts prep.tts) &&
	cmp want.tts got.tts
'

test_expect_success ULIMIT 'tt-fit, tt-embed, tt-topk under ulimit -v 100000: out of memory, named, exit 1' '
	(ulimit -v 100000; exec timeout -k 5 60 tt-fit -t 1 --max-steps 2 -o m.bin prep.tts) 2>err;
	test $? = 1 && test_grep "^tt-fit: out of memory for BLAS.s buffers \([0-9.]+ MB\)" err &&
	! test -e m.bin &&
	(ulimit -v 100000; exec timeout -k 5 60 tt-embed -t 1 --users model.bin prep.tts) >/dev/null 2>err;
	test $? = 1 && test_grep "^tt-embed: out of memory for BLAS.s buffers" err &&
	(ulimit -v 100000; exec timeout -k 5 60 tt-topk --threads 1 items.tts users.tts) >/dev/null 2>err;
	test $? = 1 && test_grep "^tt-topk: out of memory for BLAS.s buffers" err
'

# ---- messages ----

test_expect_success 'getopt messages name the program, not its path' '
	test_must_fail "$TOP/bin/tt-fit" --lr 2>err &&
	test_grep "^tt-fit: option .--lr. requires an argument" err &&
	test_must_fail "$TOP/bin/tt-topk" --bogus 2>err &&
	test_grep "^tt-topk: unrecognized option" err
'

test_expect_success 'tt-fit --epochs 0 and --heads 3 --dim 64 are usage errors' '
	tt-fit --epochs 0 -o e.bin prep.tts 2>err; test $? = 2 &&
	test_grep "^tt-fit: --epochs: 0 is out of range" err && ! test -e e.bin &&
	tt-fit --heads 3 --dim 64 prep.tts >/dev/null 2>err; test $? = 2 &&
	test_grep "^tt-fit: --dim 64 is not a multiple of --heads 3" err
'

# ---- sizes from the data, not from what was asked ----

test_expect_success ULIMIT 'tt-topk -k 1048576 over 150 items: k is clamped to 150' '
	(ulimit -v 800000; exec timeout -k 5 60 tt-topk -k 1048576 --keep-seen --format tts \
		-o all.tts items.tts users.tts) &&
	tt-dump all.tts >dump.txt &&
	test_grep "^    k=150$" dump.txt
'

test_done
