#!/bin/sh
test_description='ml-prep --items and --users of any shape: id, title and feature columns named by option (categorical, multi-valued, paths, numeric buckets), checked line by line; the presets as before'
. "$(dirname "$0")/test-lib.sh"

dump() { tt-dump --tsv "$1" "$2"; }

ml-synth -u 30 -i 60 -r 900 -s 2 --movies movies.dat --users-out users.dat >r.dat || exit 1
cat >cat.csv <<'END'
sku,name,brand,tags,path,price
1,"Red, the ball",acme,a|b,Toys > Balls,9.5
2,Blue,acme,b,Toys > Puzzles,12
3,Green,zeta,,Books,
4,X,zeta,a|c|a,Toys,30
END
CAT="--items cat.csv --item-id sku --item-title name --item-feature brand
	--item-feature tags:multi --item-feature path:path --item-feature price:num=2"

test_expect_success 'a catalogue of any shape: columns, vocabulary and each item'"'"'s values' '
	ml-prep $CAT r.dat >p.tts 2>err &&
	printf "brand\tcat\t\ntags\tmulti\t|\npath\tpath\t>\nprice\tnum\t\n" >expect &&
	dump item_columns p.tts >actual && test_cmp expect actual &&
	printf "%s\n" acme zeta a b c Toys "Toys > Balls" "Toys > Puzzles" Books "(-inf,12)" "[12,inf)" >expect &&
	dump item_vocab p.tts >actual && test_cmp expect actual &&
	printf "0\n2\n5\n9\n11\n" >expect && dump item_vocab_offsets p.tts >actual && test_cmp expect actual &&
	dump item_value_offsets p.tts | head -5 >actual && printf "0\n6\n11\n13\n18\n" >expect &&
	test_cmp expect actual &&
	{ dump item_values p.tts | tr "\n" " "; echo; } >actual &&
	echo "0 2 3 5 6 9 0 3 5 7 10 1 8 1 2 4 5 10 " >expect && test_cmp expect actual &&
	dump titles p.tts | head -2 >actual && printf "Red, the ball\nBlue\n" >expect && test_cmp expect actual &&
	! tt-dump p.tts | grep -q "^genres"
'

test_expect_success 'semicolons, quoted fields over lines, columns by number, default kinds and buckets' '
	printf "id;kind;price\n1;\"x;\ny\";1\n2;z;2\n3;z;3\n4;z;4\n" >semi.csv &&
	ml-prep --items semi.csv --item-id 1 --item-sep semicolon --item-feature kind \
		--item-feature price:num r.dat >s.tts 2>err &&
	printf "x; y\nz\n(-inf,2)\n[2,3)\n[3,4)\n[4,inf)\n" >expect &&
	dump item_vocab s.tts >actual && test_cmp expect actual &&
	printf "kind\tcat\t\nprice\tnum\t\n" >expect && dump item_columns s.tts >actual && test_cmp expect actual
'

test_expect_success 'cut points given: a numeric column bucketed at them' '
	ml-prep --items cat.csv --item-id sku --item-feature "price:num=@10,20" r.dat >c.tts 2>err &&
	printf "(-inf,10)\n[10,20)\n[20,inf)\n" >expect && dump item_vocab c.tts >actual && test_cmp expect actual
'

test_expect_success 'a users file of any shape, string ids, multi-valued column' '
	awk -F"::" "BEGIN { print \"uid\tgender\tage\tlikes\" }
		{ printf \"%s\t%s\t%s\t%s\n\", \$1, \$2, \$3, (\$1 % 2 ? \"jazz,rock\" : \"rock\") }" users.dat >users.tsv &&
	ml-prep --users users.tsv --user-sep tab --user-id uid --user-feature gender \
		--user-feature age:num=3 --user-feature likes:multi=, r.dat >u.tts 2>err &&
	dump user_columns u.tts >actual &&
	printf "gender\tcat\t\nage\tnum\t\nlikes\tmulti\t,\n" >expect && test_cmp expect actual &&
	dump user_vocab u.tts | tail -2 >actual && printf "jazz\nrock\n" >expect && test_cmp expect actual &&
	test "$(dump user_value_offsets u.tts | wc -l)" = 31 &&
	! tt-dump u.tts | grep -q "^gender"
'

test_expect_success 'a line of the wrong field count: file, line, what was expected' '
	printf "sku,brand\n1,acme\n2,acme,extra\n" >bad.csv &&
	test_must_fail ml-prep --items bad.csv --item-id sku --item-feature brand r.dat >out 2>err &&
	echo "ml-prep: bad.csv:3: expected 2 fields separated by '"','"', as the header has, found 3" >expect &&
	test_cmp expect err && ! test -s out
'

test_expect_success 'an unknown column name: named, with the header line' '
	test_must_fail ml-prep --items cat.csv --item-id sku --item-feature colour r.dat >out 2>err &&
	test_grep "^ml-prep: cat.csv:1: no column '"'colour'"' in the header" err && ! test -s out &&
	test_must_fail ml-prep --users users.tsv --user-sep tab --user-id user r.dat >out 2>err &&
	test_grep "users.tsv:1: no column '"'user'"'" err
'

test_expect_success 'a numeric column with a non-number: file, line, column, what was expected' '
	printf "sku,price\n1,3\n2,cheap\n" >np.csv &&
	test_must_fail ml-prep --items np.csv --item-id sku --item-feature price:num r.dat >out 2>err &&
	echo "ml-prep: np.csv:3: column price: expected a number, found '"'cheap'"'" >expect &&
	test_cmp expect err && ! test -s out
'

test_expect_success 'bad options: a kind, a bucket count, layout options without --item-id' '
	test_must_fail ml-prep --items cat.csv --item-id sku --item-feature price:float r.dat 2>err &&
	test_grep "the kind '"'float'"' is not cat, multi, path or num" err &&
	test_must_fail ml-prep --items cat.csv --item-id sku --item-feature price:num=1 r.dat 2>err &&
	test_grep "K from 2 to" err &&
	test_must_fail ml-prep --items cat.csv --item-feature brand r.dat 2>err &&
	test_grep "need --item-id" err &&
	test_must_fail ml-prep --item-id sku r.dat 2>err && test_grep "needs --items" err &&
	test_must_fail ml-prep --items cat.csv --item-id sku --item-feature brand --item-feature brand r.dat 2>err &&
	test_grep "given twice" err
'

test_expect_success 'the same id twice in a catalogue: both lines named' '
	printf "sku,brand\n1,a\n1,b\n" >twice.csv &&
	test_must_fail ml-prep --items twice.csv --item-id sku --item-feature brand r.dat 2>err &&
	test_grep "twice.csv:3: item id 1 again \(first on line 2\)" err
'

test_expect_success 'presets as before: no generic records, their own ones in place' '
	ml-prep --items movies.dat --users users.dat r.dat >m.tts &&
	tt-dump m.tts >d && test_grep "^genres " d && test_grep "^gender " d &&
	! grep -q "_columns\|_vocab\|_values" d &&
	head -1 movies.dat | cut -d: -f3 >expect && dump titles m.tts | head -1 >actual && test_cmp expect actual
'

# set.py NAME I V: element I of the first record NAME (an integer record)
# made V, in the decompressed stream on stdin (tts(5) through tts.py).
cat >set.py <<-\END
import struct, sys, tts
name, at, v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
done = False
for r in tts.records(sys.stdin.buffer.read()):
    body = bytearray(r.data)
    if r.name == name and not done:
        f = tts.FORMATS[r.dtype]
        struct.pack_into("<" + f, body, at * struct.calcsize(f), v)
        done = True
    sys.stdout.buffer.write(tts.record(r.name, r.dtype, r.dims, body, r.version))
END
lie() { zstd -q -dc p.tts | /usr/bin/python3 set.py "$@" | zstd -q -c >lie.tts; }
command -v /usr/bin/python3 >/dev/null && command -v zstd >/dev/null && test_set_prereq PYZSTD

test_expect_success PYZSTD 'a prep whose columns lie is refused, naming the record' '
	lie item_values 0 11 && test_must_fail tt-fit lie.tts >out 2>err &&
	test_grep "record item_values: entry 0.s value 11 is outside the vocabulary" err &&
	lie item_values 1 0 && test_must_fail tt-fit lie.tts >out 2>err &&
	test_grep "record item_values: entry 0.s value 0 is not after" err &&
	lie item_value_offsets 2 3 && test_must_fail tt-fit lie.tts >out 2>err &&
	test_grep "record item_value_offsets: decreasing at 1" err &&
	lie item_vocab_offsets 1 0 && test_must_fail tt-fit lie.tts >out 2>err &&
	test_grep "record item_vocab_offsets: not increasing" err &&
	lie item_values 1 1 && test_must_fail tt-fit lie.tts >out 2>err &&
	test_grep "a second one of a categorical column" err
'

test_done
