#!/bin/sh
test_description='ml-prep takes string ids (sku-1, c_00042) in every format, keeps them beside their hashes in every stream, and numeric ids as before'
. "$(dirname "$0")/test-lib.sh"

dump() { tt-dump --tsv "$1" "$2"; }

# One generated log, the same interactions with integer ids and with a
# shop's strings: user u is c_0000u, item i is sku-i.
ml-synth -u 30 -i 80 -r 900 -s 3 >num.dat || exit 1
awk -F'::' 'BEGIN { print "event_time,sku,customer,rating,channel" }
	{ printf "%s,sku-%d,c_%05d,%s,\"web, app\"\n", $4, $2, $1, $3 }' num.dat >shop.csv || exit 1
awk -F'::' '{ printf "c_%05d\tsku-%d\t%s\t%s\n", $1, $2, $3, $4 }' num.dat >shop.tsv || exit 1
SHOP="--user-col customer --item-col sku --time-col event_time"

# The users and items of num.dat as strings, in order of first appearance.
first_seen() { awk -F'::' -v c="$1" -v f="$2" '!s[$c]++ { printf f "\n", $c }' num.dat; }

test_expect_success 'a csv with a header, columns by name: the ids come back as given' '
	ml-prep $SHOP shop.csv >shop.tts &&
	first_seen 1 c_%05d >expect && dump user_names shop.tts >actual && test_cmp expect actual &&
	first_seen 2 sku-%d >expect && dump item_names shop.tts >actual && test_cmp expect actual &&
	test "$(dump user_ids shop.tts | wc -l)" = 30 &&
	tt-dump shop.tts >d && test_grep "^user_names +text" d && test_grep "^item_names +text" d
'

# Each interaction of a prep as "user item", by the ids' names (or the
# integers, with the shop's prefixes).
named() {
	{ dump user_names "$1" 2>/dev/null || dump user_ids "$1" | awk "{ printf \"c_%05d\n\", \$1 }"; } >u.$1 &&
	{ dump item_names "$1" 2>/dev/null || dump item_ids "$1" | sed "s/^/sku-/"; } >i.$1 &&
	dump offsets "$1" >o.$1 && dump items "$1" >z.$1 &&
	awk -v f="$1" "BEGIN { while ((getline l <(\"u.\" f)) > 0) u[n++] = l
		while ((getline l <(\"i.\" f)) > 0) it[m++] = l
		while ((getline l <(\"o.\" f)) > 0) o[k++] = l
		for (x = 0; x + 1 < k; x++) for (z = o[x]; z < o[x + 1]; z++) {
			getline l <(\"z.\" f); print u[x], it[l] } }"
}

test_expect_success 'the same interactions as the integer log, under their strings' '
	ml-prep num.dat >num.tts &&
	named num.tts >expect && named shop.tts >actual && test "$(wc -l <actual)" = 900 &&
	test_cmp expect actual &&
	for r in valid test ratings times; do
		dump $r num.tts >expect.$r && dump $r shop.tts >actual.$r &&
		test_cmp expect.$r actual.$r || return 1
	done
'

test_expect_success 'a tsv without a header, and with one by column number; dat; seq' '
	ml-prep shop.tsv >tsv.tts &&
	dump item_names tsv.tts >actual && dump item_names shop.tts >expect && test_cmp expect actual &&
	{ printf "who\twhat\tstars\twhen\n" && cat shop.tsv; } >hdr.tsv &&
	ml-prep --header --user-col 1 --item-col 2 --rating-col 3 --time-col 4 hdr.tsv >hdr.tts &&
	dump item_names hdr.tts >actual && test_cmp expect actual &&
	dump items hdr.tts >actual && dump items tsv.tts >expect && test_cmp expect actual &&
	tr "\t" "|" <shop.tsv | sed "s/|/::/g" >shop.dat && ml-prep shop.dat >dat.tts &&
	dump user_names dat.tts >actual && dump user_names tsv.tts >expect && test_cmp expect actual &&
	awk -F"\t" "{ print \$1, \$2 }" shop.tsv >shop.seq && ml-prep shop.seq >seq.tts &&
	dump item_names seq.tts >actual && dump item_names tsv.tts >expect && test_cmp expect actual
'

test_expect_success 'UTF-8 ids, and a quoted id holding the separator' '
	printf "userId,movieId,rating,timestamp\n\"Zoë, Paris\",caf\303\251,4,1\nbob,caf\303\251,3,2\n\"Zoë, Paris\",th\303\251,5,3\n" >utf.csv &&
	ml-prep --split none utf.csv >utf.tts &&
	printf "Zoë, Paris\nbob\n" >expect && dump user_names utf.tts >actual && test_cmp expect actual &&
	printf "caf\303\251\nth\303\251\n" >expect && dump item_names utf.tts >actual && test_cmp expect actual
'

test_expect_success 'one column may be both the user and the item, in every path' '
	printf "a,b,r,t\nx,2,3,4\nx,5,3,5\ny,6,3,6\n" >both.csv &&
	ml-prep --split none --user-col 1 --item-col 1 both.csv >both.tts &&
	printf "x\ny\n" >expect && dump item_names both.tts >actual && test_cmp expect actual &&
	printf "a,b,r,t\n1,2,3,4\n5,6,7,8\n" >bothn.csv &&
	ml-prep --split none --user-col 1 --item-col 1 bothn.csv >bothn.tts &&
	printf "1\n5\n" >expect && dump item_ids bothn.tts >actual && test_cmp expect actual
'

test_expect_success '--stats says which ids are strings' '
	ml-prep --stats $SHOP shop.csv >/dev/null 2>err &&
	test_grep "^user ids: strings$" err && test_grep "^item ids: strings$" err &&
	ml-prep --stats num.dat >/dev/null 2>err &&
	test_grep "^user ids: integers$" err && test_grep "^item ids: integers$" err
'

test_expect_success 'a column of integers that meets a string is strings from its start, said' '
	printf "1::5::4::100\n1::6::3::101\n2::sku-9::4::102\n2::5::2::103\n" >mixed.dat &&
	ml-prep --split none mixed.dat >mixed.tts 2>err &&
	echo "ml-prep: item ids are strings (the first that is not an integer: mixed.dat:3: '"'"'sku-9'"'"'); the 3 integers among them are taken as their text" >expect &&
	test_cmp expect err &&
	printf "5\n6\nsku-9\n" >expect && dump item_names mixed.tts >actual && test_cmp expect actual &&
	dump user_ids mixed.tts >actual && printf "1\n2\n" >expect && test_cmp expect actual &&
	! tt-dump mixed.tts | grep "^user_names" &&
	printf "1::007::4::100\n" >zero.dat && ml-prep --split none zero.dat >zero.tts 2>err &&
	dump item_names zero.tts >actual && echo 007 >expect && test_cmp expect actual
'

test_expect_success 'the same string is the same id in two logs' '
	printf "a,sku-1,5,1\na,sku-2,4,2\nb,sku-1,3,3\n" >one.csv &&
	printf "z,sku-3,5,1\nz,sku-1,4,2\ny,sku-2,3,3\nz,sku-4,3,4\n" >two.csv &&
	ml-prep --no-header --split none one.csv >one.tts &&
	ml-prep --no-header --split none two.csv >two.tts &&
	for t in one two; do
		dump item_ids $t.tts >ids && dump item_names $t.tts >names &&
		paste names ids | sort >$t.pairs || return 1
	done &&
	join one.pairs two.pairs >both && test "$(wc -l <both)" = 2 &&
	awk "\$2 != \$3 { exit 1 }" both &&
	grep "^sku-1	8889304595375260818$" one.pairs
'

test_expect_success 'bad ids: one line naming the file, the line and what, no output' '
	long=$(printf "%0256d" 0 | tr 0 x) &&
	printf "u1,x,5,1\nu1,$long,5,2\n" >long.csv &&
	test_must_fail ml-prep --no-header -o out.tts long.csv 2>err &&
	echo "ml-prep: long.csv:2: item id '"'"'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"'"' is longer than 255 bytes" >expect &&
	test_cmp expect err && test ! -e out.tts &&
	printf "u1::x::5::1\nu\377::x::5::2\n" >utf.dat &&
	test_must_fail ml-prep -o out.tts utf.dat 2>err &&
	echo "ml-prep: utf.dat:2: user id '"'"'u\\xff'"'"' is not valid UTF-8" >expect &&
	test_cmp expect err && test ! -e out.tts &&
	printf "userId,movieId,rating,timestamp\nu1,\"a\tb\",5,1\n" >tab.csv &&
	test_must_fail ml-prep -o out.tts tab.csv 2>err &&
	echo "ml-prep: tab.csv:2: item id '"'"'a\\x09b'"'"' holds a control character" >expect &&
	test_cmp expect err && test ! -e out.tts &&
	printf "userId,movieId,rating,timestamp\n,x,5,1\n" >empty.csv &&
	test_must_fail ml-prep empty.csv >out 2>err &&
	echo "ml-prep: empty.csv:2: user id is empty" >expect && test_cmp expect err
'

test_expect_success 'two strings of one hash are an error naming both (hashes cut to 4 bits)' '
	seq 1 40 | sed "s/.*/u,s&,5,&/" >coll.csv &&
	TT_ID_HASH_BITS=4 test_must_fail ml-prep --no-header -o out.tts coll.csv 2>err &&
	test_grep "^ml-prep: coll.csv:[0-9]+: item id '"'"'s[0-9]+'"'"' has the same 63-bit id as item id '"'"'s[0-9]+'"'"' \(string ids are hashes of their text\): rename one$" err &&
	test "$(wc -l <err)" = 1 && test ! -e out.tts
'

test_expect_success '--skip-bad skips a line whose id cannot be one, by reason' '
	printf "a::x::5::1\n::x::5::2\na::y::5::3\n" >sb.dat &&
	ml-prep --skip-bad --split none sb.dat >sb.tts 2>err &&
	test_grep "1 bad user ids, the first sb.dat:2: user id is empty" err &&
	printf "a\nx\ny\n" | sort >expect && { dump user_names sb.tts && dump item_names sb.tts; } | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'catalogue and user files take string ids, matched to the log' '
	printf "movieId,title,genres\nsku-1,\"One, the (1999)\",Drama\nsku-2,Two (2001),Comedy|Drama\nsku-99,Other (2002),Drama\n" >cat.csv &&
	printf "c_00001::F::25::3::12345\nc_00002::M::35::7::54321\n" >users.dat &&
	head -n 300 shop.csv >few.csv &&
	ml-prep $SHOP --items cat.csv --users users.dat few.csv >side.tts 2>err &&
	dump item_names side.tts >names && dump titles side.tts >titles &&
	paste names titles | grep "^sku-1	One, the (1999)$" &&
	paste names titles | grep "^sku-2	Two (2001)$" &&
	dump user_names side.tts >users && dump gender side.tts >gender &&
	paste users gender | grep "^c_00001	1$" && paste users gender | grep "^c_00002	2$" &&
	printf "7::Seven (1990)::Drama\n" >ints.dat &&
	test_must_fail ml-prep $SHOP --items ints.dat few.csv >out 2>err &&
	test_grep "^ml-prep: ints.dat: none of the input" err
'

test_expect_success 'integer logs: the records they always had, in every format' '
	for f in dat csv tsv; do
		ml-synth -u 30 -i 80 -r 900 -s 3 -f $f >n.$f && ml-prep n.$f >n.$f.tts &&
		{ tt-dump n.$f.tts | grep -v "^ " &&
		  for r in user_ids item_ids offsets items valid test ratings times; do
			dump $r n.$f.tts || return 1
		  done; } | cksum >actual &&
		echo "1107851312 14853" >expect && test_cmp expect actual || return 1
	done &&
	ml-synth -u 30 -i 80 -r 900 -s 3 -f seq >n.seq && ml-prep n.seq >n.seq.tts &&
	{ tt-dump n.seq.tts | grep -v "^ " &&
	  for r in user_ids item_ids offsets items valid test; do dump $r n.seq.tts || return 1; done; } |
	cksum >actual && echo "929062422 3616" >expect && test_cmp expect actual
'

test_expect_success 'tt-fit trains on string ids; the model and tt-batch carry the names' '
	tt-fit $TINY --max-steps 3 shop.tts >model.bin &&
	tt-dump model.bin >d && test_grep "^user_names +text" d && test_grep "^item_names +text" d &&
	dump item_names model.bin >actual && dump item_names shop.tts >expect && test_cmp expect actual &&
	dump user_names model.bin >actual && dump user_names shop.tts >expect && test_cmp expect actual &&
	tt-batch --batch 16 --history 10 shop.tts >b.tts &&
	dump item_names b.tts >actual && dump item_names shop.tts >expect && test_cmp expect actual &&
	tt-fit $TINY --max-steps 2 b.tts >model2.bin && dump user_names model2.bin >actual &&
	dump user_names shop.tts >expect && test_cmp expect actual
'

test_expect_success 'tt-fit --init carries rows by string id from another log' '
	head -n 400 shop.csv >s1.csv && { head -n 1 shop.csv && sed -n "300,900p" shop.csv; } >s2.csv &&
	ml-prep $SHOP s1.csv >s1.tts && ml-prep $SHOP s2.csv >s2.tts &&
	tt-fit $TINY --max-steps 2 s1.tts >m1.bin 2>/dev/null &&
	tt-fit $TINY --max-steps 2 --init m1.bin s2.tts >m2.bin 2>err &&
	dump item_names s1.tts | sort >a && dump item_names s2.tts | sort >b &&
	n=$(comm -12 a b | wc -l) && test "$n" -gt 0 &&
	test_grep "^tt-fit: m1.bin: by id, $n items carried" err
'

test_expect_success 'a stream whose names are not its ids is refused' '
	/usr/bin/python3 - shop.tts bad.tts <<-\EOF &&
	import sys, tts
	out = b""
	for r in tts.records(tts.decompress(open(sys.argv[1], "rb").read())):
	    if r.name == "item_names":
	        lines = r.data.split(b"\n")
	        lines[0], lines[1] = lines[1], lines[0]
	        out += tts.record(r.name, r.dtype, r.dims, b"\n".join(lines))
	    else:
	        out += r.raw
	open(sys.argv[2], "wb").write(tts.compress(out))
	EOF
	test_must_fail tt-fit $TINY --max-steps 1 bad.tts >m.bin 2>err &&
	test_grep "record item_names: line 1: .* is not the name of id" err
'

test_expect_success NUMPY 'tt-dump --npy exports the names, one per line of their UTF-8 bytes' '
	tt-dump --npy npy shop.tts &&
	/usr/bin/python3 -c "import numpy, sys; print(bytes(numpy.load(\"npy/item_names.npy\")).decode(), end=\"\")" >actual &&
	dump item_names shop.tts >expect && test_cmp expect actual
'

test_done
