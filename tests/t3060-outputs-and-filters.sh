#!/bin/sh
test_description='outputs that keep what was there (tt-dump --npy, -o, ml-synth) and filters that say what they could not read (tt-rec, tt-topk --exclude, tt-embed --user, two inputs on stdin)'
. "$(dirname "$0")/test-lib.sh"

command -v python3 >/dev/null && command -v zstd >/dev/null && test_set_prereq PYZSTD
# -o over a file its user may not write: root may, so root runs the
# program as nobody, as the shell's `>` would be refused to a user.
if [ "$(id -u)" != 0 ]; then
	AS_USER= && test_set_prereq USER
elif command -v setpriv >/dev/null; then
	AS_USER="setpriv --reuid=65534 --regid=65534 --clear-groups" && test_set_prereq USER
fi

# mkstream META [NAME...]: a stream by hand, its meta text META (with
# Python's escapes), then a one-byte u8 record for each NAME.
mkstream() {
	python3 -c '
import struct, sys
def rec(name, dtype, dims, data):
    n = name.encode()
    return (b"TTS\x01" + bytes([dtype, len(dims)]) + struct.pack("<H", len(n)) +
        b"".join(struct.pack("<Q", d) for d in dims) + n + data)
meta = sys.argv[1].encode().decode("unicode_escape").encode("latin-1")
out = rec("meta", 6, [len(meta)], meta)
for name in sys.argv[2:]:
    out += rec(name, 1, [1], b"\x05")
sys.stdout.buffer.write(out + b"TTS\x01\0\0\0\0")
' "$@" | zstd -q --check
}

test_expect_success 'setup: a model, its items and users' '
	ml-synth --users 200 --items 150 --ratings 8000 --movies movies.dat >ratings.dat &&
	ml-prep --items movies.dat ratings.dat >ml.tts &&
	tt-fit -t 1 --max-steps 30 ml.tts >model.bin 2>fit.err &&
	tt-embed -t 1 model.bin >items.tts &&
	tt-embed -t 1 --users model.bin ml.tts >users.tts &&
	tt-topk -t 1 -k 10 --format tts items.tts users.tts >recs.tts
'

# ---- tt-dump --npy: all or nothing ----

test_expect_success 'tt-dump --npy: a truncated stream leaves the previous export as it was' '
	tt-dump --npy w model.bin && test $(ls w | wc -l) -gt 40 &&
	cp -R w before &&
	head -c 700000 model.bin >cut.bin &&
	test_must_fail tt-dump --npy w cut.bin 2>err &&
	test_grep "cut.bin: truncated stream" err &&
	test_grep "^tt-dump: w: nothing exported; its files are as they were\$" err &&
	diff -r before w && ls -A before >expect && ls -A w >actual && test_cmp expect actual
'

test_expect_success 'tt-dump --npy: a complete export of other records says what it left' '
	tt-dump --npy w ml.tts 2>err &&
	test_grep "^tt-dump: w: [0-9]+ other \.npy files \(.*\.npy, \.\.\.\) not from this export, left as they were\$" err &&
	test -f w/word_emb.npy && ! cmp w/meta.npy before/meta.npy
'

test_expect_success 'tt-dump --npy: a link planted in DIR is replaced, its target left alone' '
	mkdir w3 && echo precious >victim.txt && ln -s ../victim.txt w3/meta.npy &&
	tt-dump --npy w3 ml.tts &&
	echo precious >expect && test_cmp expect victim.txt &&
	test -f w3/meta.npy && ! test -L w3/meta.npy &&
	tt-dump --npy w4 ml.tts && cmp w3/meta.npy w4/meta.npy
'

test_expect_success 'tt-dump --npy: a failed write leaves no cut file and the previous ones' '
	tt-dump --npy w5 model.bin && cp -R w5 before5 &&
	tt-dump --npy w5b ml.tts &&
	{ (trap "" XFSZ; ulimit -f 100; exec tt-dump --npy w5 model.bin) 2>err; test $? = 1; } &&
	test_grep "^tt-dump: w5/[a-z0-9_.]+\.npy: write failed \(nothing exported\): File too large\$" err &&
	diff -r before5 w5 && ls -A before5 >expect && ls -A w5 >actual && test_cmp expect actual &&
	{ (ulimit -f 100; exec tt-dump --npy w6 model.bin) 2>err; test $? -gt 128; } &&
	ls -A w6 >actual && test_cmp /dev/null actual
'

test_expect_success 'tt-dump --npy: a fatal signal removes the temporary directory' '
	mkfifo slow && mkdir wi &&
	{ { head -c 500000 model.bin; sleep 3; } >slow & } &&
	tt-dump --npy wi slow &
	pid=$! &&
	wait_until "ls -A wi | grep -q ." &&
	kill -TERM $pid && { wait $pid; test $? = 143; } &&
	ls -A wi >actual && test_cmp /dev/null actual && wait
'

test_expect_success 'tt-dump --npy: DIR that is a file is not a directory, an empty DIR a usage error' '
	test_must_fail tt-dump --npy ml.tts ml.tts 2>err &&
	echo "tt-dump: ml.tts: not a directory" >expect && test_cmp expect err &&
	{ tt-dump --npy "" ml.tts 2>err; test $? = 2; } &&
	test_grep "^tt-dump: --npy: an empty directory name\$" err
'

test_expect_success PYZSTD 'tt-dump --npy: a name too long for a file is an error before anything is written' '
	name=$(printf "a%.0s" $(seq 252)) &&
	mkstream "kind=test\\n" b "$name" >long.tts &&
	tt-dump long.tts >list && test_grep "^a{252} " list &&
	mkdir w7 && test_must_fail tt-dump --npy w7 long.tts 2>err &&
	test_grep "^tt-dump: w7: a record.s file name .a{40}\.\.\.. is longer than 255 bytes: nothing exported\$" err &&
	ls -A w7 >actual && test_cmp /dev/null actual
'

test_expect_success PYZSTD 'tt-dump prints control characters of meta text escaped' '
	mkstream "kind=test\\nx=\\x1b]0;owned\\x07\\x1b[2J\\n" >escmeta.tts &&
	tt-dump escmeta.tts >out &&
	! grep -q "$(printf "\033")" out &&
	test_grep "^    x=\\\\x1b\]0;owned\\\\x07\\\\x1b\[2J\$" out
'

# ---- -o and ml-synth ----

test_expect_success '-o that is also an input is refused before anything is read' '
	cp items.tts keep_items.tts && cp users.tts keep_users.tts && cp model.bin keep.bin &&
	cp ml.tts keep_ml.tts &&
	{ tt-topk -t 1 -o keep_items.tts keep_items.tts users.tts 2>err; test $? = 2; } &&
	test_grep "^tt-topk: keep_items.tts is also the input keep_items.tts: it would be overwritten\$" err &&
	{ tt-topk -t 1 -o keep_users.tts items.tts <keep_users.tts 2>err; test $? = 2; } &&
	test_grep "is also the input <stdin>" err &&
	{ tt-topk --merge -o keep_items.tts keep_items.tts recs.tts 2>err; test $? = 2; } &&
	{ tt-embed -t 1 -o keep.bin keep.bin 2>err; test $? = 2; } &&
	{ tt-embed -t 1 --users -o keep_ml.tts model.bin keep_ml.tts 2>err; test $? = 2; } &&
	{ tt-batch -o keep_ml.tts keep_ml.tts 2>err; test $? = 2; } &&
	cmp items.tts keep_items.tts && cmp users.tts keep_users.tts && cmp model.bin keep.bin &&
	cmp ml.tts keep_ml.tts
'

test_expect_success USER '-o over a file its user may not write is refused, naming it' '
	mkdir ro && chmod 777 ro && echo old >ro/ro.txt && chmod 444 ro/ro.txt &&
	test_must_fail $AS_USER tt-topk -t 1 -k 2 -o ro/ro.txt items.tts users.tts 2>err &&
	echo "tt-topk: ro/ro.txt: Permission denied" >expect && test_cmp expect err &&
	echo old >expect && test_cmp expect ro/ro.txt &&
	$AS_USER tt-topk -t 1 -k 2 -o ro/new.txt items.tts users.tts && test -s ro/new.txt
'

test_expect_success 'ml-synth: an output it cannot write is refused before any is replaced' '
	echo "my old ratings" >old.dat && echo "my old movies" >old_movies.dat &&
	test_must_fail ml-synth --users 50 --items 60 --ratings 1000 -o old.dat \
		--movies /nonexistent/m.dat 2>err &&
	test_grep "/nonexistent" err &&
	echo "my old ratings" >expect && test_cmp expect old.dat &&
	mkdir outdir &&
	test_must_fail ml-synth --users 50 --items 60 --ratings 1000 -o old.dat \
		--movies old_movies.dat --users-out outdir 2>err &&
	echo "ml-synth: outdir: Is a directory" >expect && test_cmp expect err &&
	echo "my old ratings" >expect && test_cmp expect old.dat &&
	echo "my old movies" >expect && test_cmp expect old_movies.dat &&
	ml-synth --users 50 --items 60 --ratings 1000 -o old.dat --movies old_movies.dat &&
	ml-synth --users 50 --items 60 --ratings 1000 >expect && test_cmp expect old.dat
'

# ---- tt-rec ----

test_expect_success 'tt-rec: a line too long is said and answered empty; the lines after it are answered' '
	{ echo 1 2 3; head -c 70000000 /dev/zero | tr "\0" 7; printf "\n4 5\n"; } |
		{ tt-rec -k 1 model.bin >out 2>err; echo $? >rc; } &&
	echo 1 >expect && test_cmp expect rc &&
	echo "tt-rec: <stdin>:2: a line longer than 64 MiB, left out" >expect && test_cmp expect err &&
	cut -f1,2 out >actual && printf "1\t1\n\n\n3\t1\n\n" >expect && test_cmp expect actual
'

test_expect_success 'tt-rec: the model and the histories cannot both be standard input' '
	echo "1 2 3" >histories &&
	cat model.bin histories | { tt-rec -k 2 - >out 2>err; test $? = 2; } &&
	test_grep "^tt-rec: the model and the histories are both standard input\$" err &&
	tt-rec -k 2 - 1 2 3 <model.bin >from_stdin && tt-rec -k 2 model.bin 1 2 3 >expect &&
	test_cmp expect from_stdin
'

test_expect_success 'tt-rec: a line with a NUL byte is said and answered empty' '
	printf "1\0002 3\n\0005 6\n7\n" | { tt-rec -k 2 model.bin >out 2>err; echo $? >rc; } &&
	echo 1 >expect && test_cmp expect rc &&
	cat >expect <<-EOF &&
	tt-rec: <stdin>:1: a line with a NUL byte, left out
	tt-rec: <stdin>:2: a line with a NUL byte, left out
	EOF
	test_cmp expect err &&
	tt-rec -k 2 model.bin 7 | sed "s/^1	/3	/" >three && { printf "\n\n"; cat three; } >expect &&
	test_cmp expect out
'

test_expect_success 'tt-rec: with SIGPIPE ignored a closed pipe is a write error, exit 1' '
	(trap "" PIPE; yes "1 2 3" | head -1000 | { tt-rec model.bin 2>err; echo $? >rc; }) | head -1 >/dev/null &&
	echo 1 >expect && test_cmp expect rc &&
	echo "tt-rec: standard output: write failed: Broken pipe" >expect && test_cmp expect err
'

# ---- titles ----

test_expect_success 'tt-rec and tt-topk print control characters in titles escaped' '
	printf "1::Evil \033]0;owned\007\033[2J (1999)::Drama\n2::Two\302\233x (1998)::Drama\n3::Three (1997)::Drama\n" >esc.dat &&
	printf "1::1::5::1\n1::2::5::2\n2::3::5::1\n2::1::5::2\n3::2::5::1\n3::3::5::2\n" >escr.dat &&
	ml-prep --items esc.dat escr.dat >esc.tts &&
	tt-fit -t 1 --epochs 1 esc.tts >esc.bin 2>fit.err &&
	tt-rec -k 3 esc.bin 3 >rec.out &&
	tt-embed -t 1 esc.bin >esc_items.tts && tt-embed -t 1 --users esc.bin esc.tts >esc_users.tts &&
	tt-topk -t 1 -k 3 --keep-seen esc_items.tts esc_users.tts >topk.out &&
	for f in rec.out topk.out; do
		! grep -q "$(printf "\033")" $f && ! grep -q "$(printf "\007")" $f &&
		! grep -q "$(printf "\302\233")" $f &&
		test_grep "	Evil \\\\x1b\]0;owned\\\\x07\\\\x1b\[2J \(1999\)\$" $f &&
		test_grep "	Two\\\\x9bx \(1998\)\$" $f || return 1
	done
'

# ---- tt-topk --exclude, tt-embed --user ----

test_expect_success 'tt-topk --exclude: a malformed line is refused with file:line' '
	for line in "35,121" "35x" "35.9" "1 35 7" "-5" "x"; do
		printf "# items\n%s\n" "$line" >ex.txt &&
		test_must_fail tt-topk -t 1 -k 3 --exclude ex.txt items.tts users.tts >out 2>err &&
		test_grep "^tt-topk: ex.txt:2: " err || return 1
	done &&
	printf "35 # a comment\n1 36 # another\n\n" >ex.txt &&
	tt-topk -t 1 -k 150 --exclude ex.txt items.tts users.tts >out &&
	! awk -F"\t" "\$3 == 35 || (\$1 == 1 && \$3 == 36)" out | grep . &&
	awk -F"\t" "\$3 == 36" out | grep -q .
'

test_expect_success 'tt-embed --user: an empty list, an empty id, a repeat or an id out of range is refused' '
	for list in "" "1,1" "1,,2" "2,1,2" "99999999999999999999" "1," "+1"; do
		{ tt-embed -t 1 --user "$list" model.bin ml.tts >out 2>err; test $? = 2; } &&
		test_grep "^tt-embed: --user: " err || return 1
	done &&
	tt-embed -t 1 --user 2,1 model.bin ml.tts >two.tts &&
	tt-dump --tsv ids two.tts >actual && printf "2\n1\n" >expect && test_cmp expect actual
'

# ---- two inputs on standard input ----

test_expect_success 'two inputs both standard input are refused at start-up' '
	cat ml.tts recs.tts | { tt-eval - >out 2>err; test $? = 2; } &&
	test_grep "^tt-eval: PREP.tts and RECS.tts are both standard input\$" err &&
	{ tt-eval - - <ml.tts >out 2>err; test $? = 2; } &&
	cat items.tts users.tts | { tt-topk -t 1 - >out 2>err; test $? = 2; } &&
	test_grep "^tt-topk: ITEMS.tts and USERS.tts are both standard input\$" err &&
	echo 1 | { tt-topk -t 1 --exclude - items.tts >out 2>err; test $? = 2; } &&
	test_grep "^tt-topk: --exclude and USERS.tts are both standard input\$" err &&
	{ tt-topk --merge items.tts - - <recs.tts >out 2>err; test $? = 2; } &&
	test_grep "both standard input" err &&
	cat model.bin ml.tts | { tt-embed -t 1 --users - >out 2>err; test $? = 2; } &&
	test_grep "^tt-embed: MODEL and PREP are both standard input\$" err &&
	tt-eval --baseline pop - <ml.tts >out &&
	tt-topk -t 1 -k 2 items.tts <users.tts >out && test -s out
'

test_done
