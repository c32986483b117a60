#!/bin/sh
test_description='ml-prep on a shop'"'"'s own log: times of any kind, any separator, columns by name or number, --where, --skip-bad by reason'
. "$(dirname "$0")/test-lib.sh"

dump() { tt-dump --tsv "$1" "$2"; }

# A log of the shape every shop has: ISO times, ';' between fields, a
# quoted field holding the separator, columns in no MovieLens order.
cat >shop.csv <<'LOG' || exit 1
event_time;event_type;sku;customer;price;rating;channel
2000-07-30T18:45:03Z;purchase;11;7;9.99;4;web
2000-07-30T18:45:04+02:00;view;12;7;1.5;;app
2000-07-31;purchase;13;7;5;3;"web; mobile"
2000-07-30 10:00:00;cart;12;8;5;5;web
2000-07-30T09:00;purchase;14;8;1;2;web
LOG

# The rows a stream holds, meta apart.
rows() { for r in user_ids item_ids items ratings times; do dump $r "$1" || return 1; done; }

test_expect_success 'ISO 8601 times with and without a zone, and dates' '
	sed "s/;1.5;;app/;1.5;1;app/" shop.csv >rated.csv &&
	ml-prep --sep ";" --user-col customer --item-col sku --time-col event_time \
		--split none rated.csv >shop.tts &&
	dump times shop.tts >actual &&
	printf "964975504\n964982703\n965001600\n964947600\n964951200\n" >expect &&
	test_cmp expect actual &&
	dump item_ids shop.tts >actual && printf "11\n12\n13\n14\n" >expect && test_cmp expect actual &&
	dump items shop.tts >actual && printf "1\n0\n2\n3\n1\n" >expect && test_cmp expect actual &&
	tt-dump shop.tts >d && test_grep "^ *sep=59$" d && ! grep time_unit d
'

test_expect_success '--where keeps the rows whose column holds a value; several must all hold' '
	ml-prep --sep semicolon --user-col 4 --item-col sku --time-col 1 --split none \
		--where event_type=purchase,cart --stats shop.csv >w.tts 2>err &&
	dump item_ids w.tts >actual && printf "11\n12\n13\n14\n" >expect && test_cmp expect actual &&
	test_grep "^removed by where: 1 rows$" err &&
	ml-prep --sep ";" --user-col customer --item-col sku --time-col event_time --split none \
		--where event_type=purchase --where channel=web,app shop.csv >w2.tts &&
	dump item_ids w2.tts >actual && printf "11\n14\n" >expect && test_cmp expect actual &&
	tt-dump w2.tts >d && test_grep "^ *where_1=event_type=purchase$" d &&
	test_grep "^ *where_2=channel=web,app$" d && test_grep "^ *where_removed=3$" d &&
	ml-prep --sep ";" --user-col customer --item-col sku --time-col event_time --split none \
		--where "channel=web; mobile" shop.csv >w3.tts &&
	dump item_ids w3.tts >actual && echo 13 >expect && test_cmp expect actual &&
	sed "s/18:45:04+02:00;view/18:45:04.250+02:00;view/" shop.csv >frac.csv &&
	ml-prep --sep ";" --user-col customer --item-col sku --time-col event_time --split none \
		--where event_type=purchase frac.csv >w4.tts 2>err && test ! -s err &&
	tt-dump w4.tts >d && ! grep time_unit d &&
	test_must_fail ml-prep --sep ";" --user-col customer --item-col sku --time-col event_time \
		--where event_type=refund shop.csv >out 2>err &&
	printf "%s\n" "ml-prep: --where event_type=refund: no row holds '"'"'refund'"'"'" \
		"ml-prep: shop.csv: no interactions: --where kept none of the 5 rows" >expect &&
	test_cmp expect err &&
	test_must_fail ml-prep --sep ";" --user-col customer --item-col sku --time-col event_time \
		--where kind=refund shop.csv >out 2>err &&
	test_grep "^ml-prep: shop.csv:1: no column .kind. in the header \(--where\)" err
'

test_expect_success 'fractions of a second: every time in milliseconds, said' '
	printf "1::1::5::964982703.5\n1::2::5::964982703.25\n1::3::5::964982703\n" >f.dat &&
	ml-prep --split none f.dat >f.tts 2>err &&
	echo "ml-prep: times kept in milliseconds: the input has fractions of a second" >expect &&
	test_cmp expect err &&
	dump times f.tts >actual && printf "964982703000\n964982703250\n964982703500\n" >expect &&
	test_cmp expect actual &&
	dump item_ids f.tts >actual && dump items f.tts >actual &&
	printf "2\n1\n0\n" >expect && test_cmp expect actual &&
	tt-dump f.tts >d && test_grep "^ *time_unit=ms$" d
'

test_expect_success 'milliseconds: found by magnitude and said, or by --time-unit' '
	printf "1\t1\t5\t964982703000\n1\t2\t5\t964982702000\n" >ms.tsv &&
	ml-prep --split none ms.tsv >ms.tts 2>err &&
	test_grep "^ml-prep: times taken as milliseconds: every one is at least 10\^11" err &&
	dump items ms.tts >actual && printf "1\n0\n" >expect && test_cmp expect actual &&
	tt-dump ms.tts >d && test_grep "^ *time_unit=ms$" d &&
	ml-prep --split none --time-unit s ms.tsv >s.tts 2>err && test ! -s err &&
	tt-dump s.tts >d && ! grep time_unit d &&
	printf "1::1::5::964982703\n1::2::5::2000-07-30T18:45:02Z\n" >mix.dat &&
	ml-prep --split none --time-unit ms mix.dat >mix.tts 2>err && test ! -s err &&
	dump times mix.tts >actual && printf "964982703\n964982702000\n" >expect && test_cmp expect actual
'

test_expect_success 'equal times keep the order of the file' '
	printf "1,3,5,2000-01-01\n1,1,5,2000-01-01T00:00:00Z\n1,2,5,946684800\n" >eq.csv &&
	ml-prep --no-header --split none eq.csv >eq.tts &&
	dump item_ids eq.tts >ids && dump items eq.tts >actual &&
	printf "2\n0\n1\n" >expect && test_cmp expect actual
'

test_expect_success 'bad times are named' '
	printf "1::1::5::1e9\n" >b.dat && test_must_fail ml-prep b.dat >out 2>err &&
	test_grep "^ml-prep: b.dat:1: timestamp .1e9. is not a time" err &&
	printf "1::1::5::1999-02-29\n" >b2.dat && test_must_fail ml-prep b2.dat >out 2>err &&
	test_grep "^ml-prep: b2.dat:1: timestamp .1999-02-29. is not a time" err &&
	printf "1::1::5::2000-01-01T25:00\n" >b3.dat && test_must_fail ml-prep b3.dat >out 2>err &&
	test_grep "^ml-prep: b3.dat:1: timestamp" err
'

test_expect_success '--sep: tab, pipe, any byte; with a header or not; quoting as RFC 4180' '
	printf "u\ti\tr\tt\n1\t\"10\"\t4\t100\n1\t11\t3\t101\n" >t.txt &&
	ml-prep --sep tab --user-col u --item-col i --rating-col r --time-col t --split none t.txt >t.tts &&
	dump item_ids t.tts >actual && printf "10\n11\n" >expect && test_cmp expect actual &&
	printf "1|10|4|100\n1|11|3|101\n" >p.txt &&
	ml-prep --sep pipe --no-header --split none p.txt >p.tts &&
	dump ratings p.tts >actual && printf "4\n3\n" >expect && test_cmp expect actual &&
	tr "|" "#" <p.txt >h.txt && ml-prep --sep "#" --no-header --split none h.txt >h.tts &&
	rows p.tts >expect && rows h.tts >actual && test_cmp expect actual &&
	printf "1|10\n1|11\n" >two.txt && ml-prep --sep "|" --no-header --split none two.txt >two.tts &&
	test_must_fail tt-dump --tsv ratings two.tts 2>/dev/null &&
	test_must_fail ml-prep --sep ab p.txt 2>err && test_grep "^ml-prep: --sep: .ab. is not one byte" err &&
	test_must_fail ml-prep --sep "|" --format dat p.txt 2>err &&
	test_grep "^ml-prep: --sep goes with csv input" err
'

test_expect_success 'columns by name or number in dat and tsv too' '
	printf "item\tuser\trating\ttime\n10\t1\t4\t100\n11\t1\t3\t101\n" >h.tsv &&
	ml-prep --header --user-col user --item-col item --time-col time --split none h.tsv >h.tts &&
	dump item_ids h.tts >actual && printf "10\n11\n" >expect && test_cmp expect actual &&
	dump user_ids h.tts >actual && echo 1 >expect && test_cmp expect actual &&
	printf "10::1::4::100\n11::1::3::101\n" >n.dat &&
	ml-prep --user-col 2 --item-col 1 --split none n.dat >n.tts &&
	rows h.tts >expect && rows n.tts >actual && test_cmp expect actual &&
	test_must_fail ml-prep --user-col user n.dat >out 2>err &&
	test_grep "^ml-prep: n.dat: column .user. is a name, and the input is read without a header" err &&
	test_must_fail ml-prep --user-col 7 n.dat >out 2>err &&
	test_grep "^ml-prep: n.dat:1: column 7: the line has 4 fields$" err &&
	test_must_fail ml-prep --header -f seq n.dat >out 2>err &&
	printf "1 10\n1 11\n" >found.seq &&
	test_must_fail ml-prep --where 2=10 found.seq >out 2>err &&
	echo "ml-prep: found.seq: read as seq, which has no columns to choose, filter or name in a header" >expect &&
	test_cmp expect err &&
	test_must_fail ml-prep --user-col 0 n.dat >out 2>err &&
	test_grep "^ml-prep: --user-col: column 0: columns are numbered from 1" err
'

test_expect_success 'a line that does not fit names the format it was read as, and why' '
	printf "user\titem\trating\ttime\n1\t2\t3\t4\n" >hdr.tsv &&
	test_must_fail ml-prep hdr.tsv >out 2>err &&
	echo "ml-prep: hdr.tsv:1: rating '"'"'rating'"'"' is not a number (read as tsv: fields separated by tabs, without a header, found at line 1; --header if this line names the columns)" >expect &&
	test_cmp expect err &&
	printf "1::2::3::4\n" >one.dat &&
	test_must_fail ml-prep -f tsv one.dat >out 2>err &&
	echo "ml-prep: one.dat:1: expected 4 fields separated by tabs (read as tsv: fields separated by tabs, without a header, as the options said)" >expect &&
	test_cmp expect err &&
	printf "1\t2\t3\t4\n" >one.tsv &&
	test_must_fail ml-prep one.dat one.tsv >out 2>err &&
	echo "ml-prep: one.tsv:1: expected 4 fields separated by '"'"'::'"'"' (read as dat: fields separated by '"'"'::'"'"', without a header, the format found at one.dat:1)" >expect &&
	test_cmp expect err &&
	printf "1;2;3;4\n" >semi.txt &&
	test_must_fail ml-prep --sep ";" semi.txt >out 2>err &&
	echo "ml-prep: semi.txt:1: no user column '"'"'userId'"'"' in the header (read as csv: fields separated by '"'"';'"'"', with a header; --no-header if the first line is data)" >expect &&
	test_cmp expect err &&
	test_must_fail ml-prep semi.txt >out 2>err &&
	test_grep "use --format, or --sep for another separator$" err
'

test_expect_success '--skip-bad says how many it skipped, by reason, with the first of each' '
	printf "1::1::5::1\n::1::5::2\n1::2::5\n1::3::five::4\n1::4::5::5\n::1::5::6\n" >sb.dat &&
	ml-prep --skip-bad sb.dat >sb.tts 2>err &&
	cat >expect <<-\EOF &&
	ml-prep: skipped 4 bad lines:
	  1 lines that do not fit the format, the first sb.dat:3: expected 4 fields separated by '"'"'::'"'"'
	  2 bad user ids, the first sb.dat:2: user id is empty
	  1 bad ratings, the first sb.dat:4: rating '"'"'five'"'"' is not a number
	EOF
	test_cmp expect err &&
	tt-dump sb.tts >d && test_grep "^ *skipped_lines=4$" d
'

test_expect_success '--skip-bad on a file where every line is bad says so' '
	printf "a,b,c,d\n" >bad.txt && printf "x y z\n" >>bad.txt && printf "1::::1::1\n1::\377::1::1\n" >allbad.dat &&
	test_must_fail ml-prep --skip-bad allbad.dat >out 2>err &&
	echo "ml-prep: allbad.dat: every one of its 2 lines is bad (skipped by --skip-bad); the first: allbad.dat:1: item id is empty" >expect &&
	test_cmp expect err &&
	printf "1::1::5::1\n1::2::5::2\n" >good.dat &&
	ml-prep --skip-bad good.dat allbad.dat >g.tts 2>err &&
	test_grep "^ml-prep: allbad.dat: every one of its 2 lines is bad \(skipped by --skip-bad\)$" err
'

test_done
