#!/bin/sh
test_description='tt-dump: listing, values, TSV, .npy export, bad streams'
. "$(dirname "$0")/test-lib.sh"

# The sample stream (see write_sample in tests/unit/test_tts.c): a meta
# record, every dtype, a 3x4 f32 matrix m holding 0..11, an empty tensor,
# then (in a second zstd frame) another record named m.
UNIT=${TT_UNIT_DIR:-$TOP/build/opt/tests}
"$UNIT/test_tts" --write-sample sample.tts || exit 1

test_expect_success 'list records and meta' '
	cat >expect <<-\EOF &&
	meta            text (30)                    30 B
	    kind=sample
	    producer=test_tts
	bytes           u8   (4)                      4 B
	ints            i32  (3)                     12 B
	longs           i64  (2)                     16 B
	m               f32  (3,4)                   48 B
	doubles         f64  (3)                     24 B
	pi              f32  ()                       4 B
	note            text (12)                    12 B
	empty           f32  (0,2)                    0 B
	m               f32  (2,2)                   16 B
	EOF
	tt-dump sample.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'standard input and - are the same as a file' '
	tt-dump sample.tts >expect &&
	tt-dump <sample.tts >actual &&
	test_cmp expect actual &&
	tt-dump - <sample.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'several files get a heading each' '
	tt-dump sample.tts sample.tts >actual &&
	test "$(grep -c "^==> sample.tts <==" actual)" = 2 &&
	test "$(grep -c "^m  " actual)" = 4
'

test_expect_success '--values prints the first values' '
	cat >expect <<-\EOF &&
	meta            text (30)                    30 B
	    kind=sample
	    producer=test_tts
	bytes           u8   (4)                      4 B  0 1 2 ...
	ints            i32  (3)                     12 B  -1 0 7
	longs           i64  (2)                     16 B  -5 1000000000000
	m               f32  (3,4)                   48 B  0 1 2 ...
	doubles         f64  (3)                     24 B  0.5 -1.25 0.1
	pi              f32  ()                       4 B  3.14159
	note            text (12)                    12 B  "hel" ...
	empty           f32  (0,2)                    0 B
	m               f32  (2,2)                   16 B  100 101 102 ...
	EOF
	tt-dump -n 3 sample.tts >actual &&
	test_cmp expect actual &&
	tt-dump --values=20 sample.tts >actual &&
	test_grep "\"hello\\\\tworld\\\\n\"$" actual
'

test_expect_success '--tsv prints a matrix as rows' '
	printf "0\t1\t2\t3\n4\t5\t6\t7\n8\t9\t10\t11\n" >expect &&
	tt-dump --tsv m sample.tts >actual &&
	test_cmp expect actual
'

test_expect_success '--tsv: vectors one value per line, floats round-trip' '
	printf "0.5\n-1.25\n0.10000000000000001\n" >expect &&
	tt-dump --tsv doubles sample.tts >actual &&
	test_cmp expect actual &&
	echo 3.14159274 >expect &&
	tt-dump --tsv pi sample.tts >actual &&
	test_cmp expect actual &&
	printf "hello\tworld\n" >expect &&
	tt-dump --tsv note sample.tts >actual &&
	test_cmp expect actual
'

test_expect_success '--tsv of a missing record fails' '
	test_must_fail tt-dump --tsv nothere sample.tts 2>err &&
	test_grep "no record named .nothere." err
'

test_expect_success '--npy writes files numpy reads, repeated names numbered' '
	tt-dump --npy npy sample.tts >actual &&
	test_must_fail test -s actual &&
	ls npy >names &&
	cat >expect <<-\EOF &&
	bytes.npy
	doubles.npy
	empty.npy
	ints.npy
	longs.npy
	m.1.npy
	m.npy
	meta.npy
	note.npy
	pi.npy
	EOF
	test_cmp expect names
'

test_expect_success NUMPY '--npy: the groups of a users stream are one array each, the offsets running on' '
	ml-synth --users 4500 --items 200 --ratings 100000 --seed 2 >u.dat &&
	ml-prep u.dat >u.tts &&
	tt-fit --dim 4 --hidden 4 --history 5 --blocks 1 --max-steps 2 -t 1 u.tts >u.bin 2>/dev/null &&
	tt-embed --users u.bin u.tts >users.tts &&
	tt-dump users.tts | grep -c "^vectors " >groups && test $(cat groups) = 2 &&
	tt-dump --npy unpy users.tts && ls unpy >names &&
	printf "ids.npy\nindex.npy\nmeta.npy\nseen.npy\nseen_offsets.npy\nvectors.npy\n" >expect &&
	test_cmp expect names &&
	tt-dump --tsv vectors users.tts >first &&
	/usr/bin/python3 -c "
import numpy
v = numpy.load(\"unpy/vectors.npy\"); o = numpy.load(\"unpy/seen_offsets.npy\")
s = numpy.load(\"unpy/seen.npy\"); ids = numpy.load(\"unpy/ids.npy\")
first = numpy.loadtxt(\"first\", dtype=numpy.float32)
assert v.shape == (4500, 4) and ids.shape == (4500,) and o.shape == (4501,), (v.shape, o.shape)
assert (v[:4096] == first).all()
assert o[0] == 0 and o[-1] == len(s) and (numpy.diff(o) >= 0).all()
"
'

test_expect_success NUMPY '--npy: numpy.load gives the values' '
	tt-dump --npy npy sample.tts &&
	/usr/bin/python3 -c "
import numpy
m = numpy.load(\"npy/m.npy\")
assert m.dtype == numpy.float32 and m.shape == (3, 4), m
assert (m.ravel() == numpy.arange(12)).all()
assert numpy.load(\"npy/m.1.npy\").tolist() == [[100, 101], [102, 103.5]]
assert numpy.load(\"npy/ints.npy\").tolist() == [-1, 0, 7]
assert numpy.load(\"npy/longs.npy\").dtype == numpy.int64
assert numpy.load(\"npy/bytes.npy\").tolist() == [0, 1, 2, 255]
assert numpy.load(\"npy/doubles.npy\")[2] == 0.1
assert numpy.load(\"npy/pi.npy\").shape == ()
assert numpy.load(\"npy/empty.npy\").shape == (0, 2)
assert bytes(numpy.load(\"npy/meta.npy\")).decode().startswith(\"kind=sample\n\")
"
'

test_expect_success 'a truncated stream: first records, then an error' '
	size=$(wc -c <sample.tts) &&
	head -c $((size - 10)) sample.tts >cut.tts &&
	{ tt-dump cut.tts >out 2>err; test $? = 1; } &&
	test_grep "^empty " out &&
	test_grep "^tt-dump: cut.tts: truncated stream: " err
'

test_expect_success 'a stream without its end record is truncated' '
	zstd -dc sample.tts | head -c 200 | zstd -q >noend.tts &&
	test_must_fail tt-dump noend.tts >out 2>err &&
	test_grep "^meta " out &&
	test_grep "truncated stream" err
'

test_expect_success 'a corrupt stream fails' '
	size=$(wc -c <sample.tts) &&
	{ head -c $((size - 2)) sample.tts && printf "\377\377"; } >bad.tts &&
	test_must_fail tt-dump bad.tts >out 2>err &&
	test_grep "^tt-dump: bad.tts: corrupt stream" err
'

test_expect_success 'a text file is not a tensor stream' '
	echo "user,item,rating" >ratings.csv &&
	test_must_fail tt-dump ratings.csv 2>err &&
	test_grep "^tt-dump: ratings.csv: not a tensor stream" err &&
	echo "hello" | zstd -q >hello.zst &&
	test_must_fail tt-dump hello.zst 2>err &&
	test_grep "hello.zst: not a tensor stream$" err
'

test_expect_success 'a missing file fails with its name' '
	test_must_fail tt-dump nosuchfile 2>err &&
	test_grep "^tt-dump: nosuchfile: " err
'

test_expect_success '--help and --version' '
	tt-dump --help >out &&
	test_grep "^usage: tt-dump" out &&
	tt-dump -h >out &&
	test_grep "\-\-npy DIR" out &&
	tt-dump --version >out &&
	test_grep "^tt-dump \(tt\) " out
'

test_expect_success 'bad usage exits 2' '
	tt-dump --no-such-option sample.tts 2>err; test $? = 2 &&
	test_grep "Try .tt-dump --help." err &&
	tt-dump -n x sample.tts 2>err; test $? = 2 &&
	tt-dump --tsv m --npy d sample.tts 2>err; test $? = 2
'

test_done
