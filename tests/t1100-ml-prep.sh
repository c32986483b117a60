#!/bin/sh
test_description='ml-prep: formats, filters, split, side data, bad input'
. "$(dirname "$0")/test-lib.sh"

dump() { tt-dump --tsv "$1" "$2"; }

test_expect_success 'dat: time order per user, leave-one-out split' '
	printf "1::10::5::300\n1::20::3::100\n1::30::4::200\n2::10::2::50\n" >r.dat &&
	ml-prep r.dat >r.tts &&
	dump items r.tts >items && printf "1\n2\n0\n0\n" >expect && test_cmp expect items &&
	dump item_ids r.tts >ids && printf "10\n20\n30\n" >expect && test_cmp expect ids &&
	dump valid r.tts >valid && printf "1\n-1\n" >expect && test_cmp expect valid &&
	dump test r.tts >t && printf "2\n-1\n" >expect && test_cmp expect t &&
	tt-dump r.tts >d && test_grep "train_only_users=1" d
'

test_expect_success 'every format gives the same records' '
	for f in dat tsv csv seq; do
		ml-synth -u 50 -i 200 -r 2000 -f $f | ml-prep >$f.tts || return 1
	done &&
	for r in user_ids item_ids offsets items valid test; do
		dump $r dat.tts >expect &&
		for f in tsv csv seq; do dump $r $f.tts >actual && test_cmp expect actual || return 1; done
	done &&
	for r in ratings times; do
		dump $r dat.tts >expect &&
		for f in tsv csv; do dump $r $f.tts >actual && test_cmp expect actual || return 1; done
	done
'

test_expect_success 'zstd and gzip input, several files' '
	ml-synth -u 50 -i 200 -r 2000 >s.dat &&
	ml-prep s.dat >plain.tts &&
	zstd -q -c s.dat >s.dat.zst && ml-prep s.dat.zst >z.tts &&
	gzip -c s.dat >s.dat.gz && ml-prep <s.dat.gz >g.tts &&
	head -n 1000 s.dat >a && tail -n +1001 s.dat >b && ml-prep a b >ab.tts &&
	for t in z g ab; do dump items $t.tts >actual && dump items plain.tts >expect &&
		test_cmp expect actual || return 1; done
'

test_expect_success 'CRLF, BOM, no final newline, blank lines' '
	printf "\357\273\2771::10::5::1\r\n\r\n1::20::3::2\r\n1::30::3::3" >crlf.dat &&
	printf "1::10::5::1\n1::20::3::2\n1::30::3::3\n" >lf.dat &&
	ml-prep crlf.dat >a.tts && ml-prep lf.dat >b.tts &&
	dump items a.tts >actual && dump items b.tts >expect && test_cmp expect actual &&
	dump ratings a.tts >actual && dump ratings b.tts >expect && test_cmp expect actual
'

test_expect_success 'ids beyond 2^31' '
	printf "5000000000::9000000000000::4::1\n5000000000::3::4::2\n" >big.dat &&
	ml-prep big.dat >big.tts &&
	dump user_ids big.tts >actual && echo 5000000000 >expect && test_cmp expect actual &&
	dump item_ids big.tts >actual && printf "3\n9000000000000\n" >expect && test_cmp expect actual
'

test_expect_success 'csv: quoted fields, columns by name, half ratings' '
	printf "timestamp,\"movieId\",userId,rating\n2,\"7\",\"1\",3.5\n1,8,1,\"4\"\n" >q.csv &&
	ml-prep q.csv >q.tts &&
	dump item_ids q.tts >actual && printf "7\n8\n" >expect && test_cmp expect actual &&
	dump items q.tts >actual && printf "1\n0\n" >expect && test_cmp expect actual &&
	dump ratings q.tts >actual && printf "4\n3.5\n" >expect && test_cmp expect actual &&
	printf "who,what\n1,2\n1,3\n" >o.csv &&
	ml-prep --user-col who --item-col what o.csv >o.tts &&
	dump items o.tts >actual && printf "0\n1\n" >expect && test_cmp expect actual
'

test_expect_success 'repeats keep the first occurrence unless --keep-repeats' '
	printf "1 5\n1 6\n1 5\n1 7\n" >rep.txt &&
	ml-prep --stats rep.txt >rep.tts 2>err &&
	dump items rep.tts >actual && printf "0\n1\n2\n" >expect && test_cmp expect actual &&
	test_grep "removed repeats: 1 interactions" err &&
	ml-prep --keep-repeats rep.txt >rep2.tts &&
	dump items rep2.tts >actual && printf "0\n1\n0\n2\n" >expect && test_cmp expect actual
'

# Users 1:{1,2} 2:{1,3} 3:{1,2} 4:{1,4} 5:{2,5}.  --min-item-count 3 drops
# items 3, 4, 5, then --min-user-count 2 drops users 2, 4, 5; with --k-core
# items 1 and 2 fall below 3 as well and nothing is left.
test_expect_success 'count filters once, and k-core' '
	printf "1 1\n1 2\n2 1\n2 3\n3 1\n3 2\n4 1\n4 4\n5 2\n5 5\n" >f.txt &&
	ml-prep --stats --min-item-count 3 --min-user-count 2 f.txt >f.tts 2>err &&
	dump user_ids f.tts >actual && printf "1\n3\n" >expect && test_cmp expect actual &&
	dump item_ids f.tts >actual && printf "1\n2\n" >expect && test_cmp expect actual &&
	test_grep "removed by min-item-count: 3 items, 3 interactions" err &&
	test_grep "removed by min-user-count: 3 users, 3 interactions" err &&
	test_must_fail ml-prep --k-core --min-item-count 3 --min-user-count 2 f.txt >k.tts 2>err &&
	echo "ml-prep: no interactions left after filtering" >expect && test_cmp expect err &&
	ml-prep --stats --k-core --min-item-count 2 --min-user-count 2 f.txt >k.tts 2>err &&
	dump user_ids k.tts >actual && printf "1\n3\n" >expect && test_cmp expect actual
'

test_expect_success '--min-rating' '
	printf "1::1::5::1\n1::2::2::2\n1::3::4::3\n" >m.dat &&
	ml-prep --min-rating 4 --stats m.dat >m.tts 2>err &&
	test_grep "removed by min-rating: 1 interactions" err &&
	dump item_ids m.tts >actual && printf "1\n3\n" >expect && test_cmp expect actual
'

test_expect_success 'bad line: exact message, exit 1, no output file' '
	printf "1::10::5::1\n1::10::5\n" >bad.dat &&
	test_must_fail ml-prep bad.dat -o out.tts 2>err &&
	echo "ml-prep: bad.dat:2: expected 4 fields separated by '"'"'::'"'"'" >expect &&
	test_cmp expect err && test ! -e out.tts &&
	ls | grep -v tmp >/dev/null && ! ls out.tts.tmp* 2>/dev/null
'

test_expect_success 'bad fields: exact messages' '
	printf "1::::5::1\n" >b1.dat && test_must_fail ml-prep b1.dat 2>err >/dev/null &&
	echo "ml-prep: b1.dat:1: item id is empty" >expect &&
	test_cmp expect err &&
	printf "1\t2\tfive\t1\n" >b2.tsv && test_must_fail ml-prep b2.tsv 2>err >/dev/null &&
	echo "ml-prep: b2.tsv:1: rating '"'"'five'"'"' is not a number" >expect && test_cmp expect err &&
	printf "1 2\n1\n" >b3.txt && test_must_fail ml-prep b3.txt 2>err >/dev/null &&
	echo "ml-prep: b3.txt:2: expected '"'"'user item ...'"'"' separated by blanks" >expect &&
	test_cmp expect err &&
	printf "1 2\n2 3 4 \377 5\n" >b4.txt && test_must_fail ml-prep b4.txt 2>err >/dev/null &&
	echo "ml-prep: b4.txt:2: item id '"'"'\\xff'"'"' is not valid UTF-8" >expect &&
	test_cmp expect err
'

test_expect_success 'seq: a line of many items is as many user-item lines' '
	ml-synth -u 60 -i 200 -r 2400 -f seq >lines.txt &&
	ml-synth -u 60 -i 200 -r 2400 -f seq --per-user >users.txt &&
	test "$(wc -l <users.txt)" = 60 &&
	ml-prep lines.txt >lines.tts && ml-prep users.txt >users.tts &&
	cmp lines.tts users.tts &&
	ml-prep -f seq users.txt >f.tts && cmp lines.tts f.tts &&
	printf "7 1 2\n7 3\n8 2\n" >mixed.txt && printf "7 1\n7 2\n7 3\n8 2\n" >one.txt &&
	ml-prep --split none mixed.txt >m.tts && ml-prep --split none one.txt >o.tts &&
	cmp m.tts o.tts
'

test_expect_success 'seq: a line longer than a read buffer' '
	awk "BEGIN { printf \"1\"; for (i = 1; i <= 300000; i++) printf \" %d\", i;
		print \"\"; print \"2 5 1000000\" }" >long.txt &&
	test "$(wc -c <long.txt)" -gt 1500000 &&
	ml-prep --split none --stats long.txt >long.tts 2>err &&
	test_grep "^users: 2$" err && test_grep "^items: 300001$" err &&
	test_grep "^interactions: 300002$" err &&
	dump items long.tts >items && sed -n "300000p" items >actual &&
	echo 299999 >expect && test_cmp expect actual
'

test_expect_success 'seq: --skip-bad skips a bad line whole' '
	printf "1 10 11\n2 10 \377 12\n2 13\n" >sb.txt &&
	ml-prep --skip-bad --split none --stats sb.txt >sb.tts 2>err &&
	test_grep "skipped bad lines: 1" err && test_grep "^interactions: 3$" err
'

test_expect_success 'empty input is an error' '
	: >empty.dat && test_must_fail ml-prep empty.dat -o e.tts 2>err &&
	echo "ml-prep: empty.dat: no interactions" >expect && test_cmp expect err &&
	test ! -e e.tts
'

test_expect_success '--skip-bad counts and reports' '
	printf "1::10::5::1\nrubbish\n1::11::5::2\n" >sb.dat &&
	ml-prep --skip-bad --stats sb.dat >sb.tts 2>err &&
	test_grep "skipped bad lines: 1" err &&
	tt-dump sb.tts >d && test_grep "skipped_lines=1" d
'

test_expect_success 'ISO-8859-1 movies.dat, users.dat, item map' '
	printf "1::Citt\340 aperta (1945)::Drama|War\n2::Toy (1995)::Comedy\n" >movies.dat &&
	printf "1::F::25::3::12345\n" >users.dat &&
	printf "1 2\n1 1\n" >r.txt &&
	printf "1 1\n2 2\n" >map &&
	ml-prep --items movies.dat --users users.dat --item-map map r.txt >m.tts &&
	dump titles m.tts >actual && printf "Citt\303\240 aperta (1945)\nToy (1995)\n" >expect &&
	test_cmp expect actual &&
	dump year m.tts >actual && printf "1945\n1995\n" >expect && test_cmp expect actual &&
	dump gender m.tts >actual && echo 1 >expect && test_cmp expect actual
'

test_expect_success 'ML-100K u.item and u.user, ISO-8859-1' '
	z="0|0|0|0|0|0|0|0|0|0|0|0|0|0" &&
	printf "1|Toy (1995)|01-Jan-1995||http://x/1|0|0|0|1|1|$z\n" >u.item &&
	printf "2|Citt\340 aperta|01-Jan-1945||http://x/2|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|1|0\n" >>u.item &&
	printf "3|unknown|||http://x/3|1|0|0|$z|0|0\n" >>u.item &&
	printf "1|24|M|technician|85711\n2|53|F|other|94043\n" >u.user &&
	printf "1\t1\t5\t10\n1\t2\t4\t11\n2\t3\t3\t12\n" >u.data &&
	ml-prep --split none --items u.item --users u.user u.data >k.tts &&
	dump titles k.tts >actual && printf "Toy (1995)\nCitt\303\240 aperta\nunknown\n" >expect &&
	test_cmp expect actual &&
	dump year k.tts >actual && printf "1995\n1945\n0\n" >expect && test_cmp expect actual &&
	dump genre_names k.tts >actual && printf "Animation\nChildren'"'"'s\nDrama\nWar\n" >expect &&
	test_cmp expect actual &&
	dump genres k.tts >actual && printf "1\t1\t0\t0\n0\t0\t1\t1\n0\t0\t0\t0\n" >expect &&
	test_cmp expect actual &&
	dump gender k.tts >actual && printf "2\n1\n" >expect && test_cmp expect actual &&
	dump age k.tts >actual && printf "24\n53\n" >expect && test_cmp expect actual &&
	dump occupation k.tts >actual && printf "19\n13\n" >expect && test_cmp expect actual
'

test_expect_success 'ML-100K side files: errors name file:line' '
	printf "1|24|M|technician|85711\n2|53|F|astronaut|94043\n" >bad.user &&
	printf "1\t1\t5\t10\n" >one.data &&
	test_must_fail ml-prep --users bad.user one.data 2>err >/dev/null &&
	echo "ml-prep: bad.user:2: occupation '"'"'astronaut'"'"' is not one of ML-100K'"'"'s u.occupation" >expect &&
	test_cmp expect err &&
	z="0|0|0|0|0|0|0|0|0|0|0|0|0|0" &&
	printf "1|Toy (1995)|01-Jan-1995||u|0|0|0|1|1|$z\n2|Two (1996)|||u|0|0|0|1|1\n" >short.item &&
	test_must_fail ml-prep --items short.item one.data 2>err >/dev/null &&
	test_grep "^ml-prep: short.item:2: expected 24 fields separated by '"'"'\|'"'"'" err &&
	printf "1|Toy (1995)|01-Jan-1995||u|0|0|0|1|2|$z\n" >flag.item &&
	test_must_fail ml-prep --items flag.item one.data 2>err >/dev/null &&
	echo "ml-prep: flag.item:1: genre flag 5 '"'"'2'"'"' is not 0 or 1" >expect &&
	test_cmp expect err
'

# Users out of order take another path through the build (the rows are
# regrouped) and rows with odd bytes leave the parser's fast path; neither
# may change the stream.  ml-synth's timestamps increase within a user, so
# reversing the lines changes no time order.
test_expect_success 'users out of order, lines off the fast path: same stream' '
	ml-synth -u 80 -i 300 -r 5000 >s.dat &&
	ml-prep s.dat >s.tts &&
	tac s.dat >rev.dat && ml-prep rev.dat >rev.tts &&
	awk "NR % 7 == 0 { printf \"%s\\r\\n\\n\", \$0; next } { print }" s.dat >odd.dat &&
	ml-prep odd.dat >odd.tts &&
	for r in user_ids item_ids offsets items ratings times valid test; do
		dump $r s.tts >expect &&
		dump $r rev.tts >actual && test_cmp expect actual &&
		dump $r odd.tts >actual && test_cmp expect actual || return 1
	done
'

test_expect_success 'the default zstd level is 1' '
	printf "1::10::5::300\n1::20::3::100\n1::30::4::200\n" >l.dat &&
	ml-prep l.dat >l.tts && ml-prep -l 1 l.dat >l1.tts && cmp l.tts l1.tts
'

test_expect_success ML1M 'ml-1m.txt: counts and the split of user 1' '
	ml-prep --stats "$ML1M/ml-1m.txt" >ml.tts 2>err &&
	test_grep "^users: 6040$" err && test_grep "^items: 3416$" err &&
	test_grep "^interactions: 999611$" err &&
	awk "\$1 == 1 { print \$2 }" "$ML1M/ml-1m.txt" >u1 &&
	dump items ml.tts >items && dump test ml.tts >t && dump valid ml.tts >v &&
	tl=$(head -n 1 t) && vl=$(head -n 1 v) &&
	t1=$(sed -n "$((tl + 1))p" items) && v1=$(sed -n "$((vl + 1))p" items) &&
	test "$((t1 + 1))" = "$(tail -n 1 u1)" &&
	test "$((v1 + 1))" = "$(tail -n 2 u1 | head -n 1)"
'

test_expect_success AMAZON 'Toys_and_Games.txt: one user per line, counts' '
	ml-prep -f seq --stats "$AMAZON/Toys_and_Games.txt" >toys.tts 2>err &&
	test_grep "^users: 19412$" err && test_grep "^items: 11924$" err &&
	test_grep "^interactions: 167597$" err &&
	ml-prep --stats "$AMAZON/Sports_and_Outdoors.txt" >sports.tts 2>err &&
	test_grep "^users: 35598$" err && test_grep "^items: 18357$" err &&
	test_grep "^interactions: 296337$" err
'

test_expect_success ML1M 'ratings-users-1-2999.dat: counts, time order' '
	ml-prep --stats "$ML1M/ratings-users-1-2999.dat" >r.tts 2>err &&
	test_grep "^users: 2999$" err && test_grep "^interactions: 487650$" err &&
	dump times r.tts >times && dump offsets r.tts >offs &&
	awk "NR == FNR { o[FNR - 1] = \$1; n = FNR; next }
		{ i = FNR - 1; for (; u < n - 1 && i >= o[u + 1]; u++) first = 1;
		  if (!first && \$1 < prev) bad++; first = 0; prev = \$1 }
		END { exit bad > 0 }" offs times
'

test_done
