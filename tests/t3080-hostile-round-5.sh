#!/bin/sh
test_description='hostile round 5: catalogue and users files of odd shapes, headers that are data, times of two kinds, --where values no row holds, warm starts of feature models, shards searched otherwise'
. "$(dirname "$0")/test-lib.sh"

# A shop's log (string ids, ISO times) and a catalogue of its 150 items.
ml-synth -u 200 -i 150 -r 5000 --format shop -o shop.csv || exit 1
SHOP="--user-col customer --item-col sku --time-col event_time"
{
	echo "sku,name,brand"
	i=1
	while [ $i -le 150 ]; do echo "sku-$i,Item $i,b$((i % 7))"; i=$((i + 1)); done
} >cat.csv

# ---- catalogue and users files ----

test_expect_success 'a feature column name with a tab or a line end: refused, no prep its readers refuse' '
	sed "1s/brand/\"br	and\"/" cat.csv >tab.csv &&
	test_must_fail ml-prep $SHOP --items tab.csv --item-id sku \
		--item-feature "$(printf "br\tand")" -o out.tts shop.csv 2>err &&
	test_grep "^ml-prep: --item-feature: .*: a control character in the column name$" err &&
	! test -e out.tts
'

test_expect_success 'a header naming a feature column twice: refused, naming both columns' '
	sed "1s/\$/,brand/; 2,\$s/\$/,other/" cat.csv >twice.csv &&
	test_must_fail ml-prep $SHOP --items twice.csv --item-id sku --item-feature brand \
		-o out.tts shop.csv 2>err &&
	test_grep "^ml-prep: twice.csv:1: column .brand. twice in the header \(columns 3 and 4\)$" err &&
	! test -e out.tts
'

test_expect_success 'a multi-valued field of more than 1024 values: refused, not cut' '
	tags=$(seq -s"|" 1 1500 | sed "s/[0-9][0-9]*/t&/g") &&
	sed "1s/\$/,tags/; 2s/\$/,$tags/; 3,\$s/\$/,t1/" cat.csv >many.csv &&
	test_must_fail ml-prep $SHOP --items many.csv --item-id sku --item-feature tags:multi \
		-o out.tts shop.csv 2>err &&
	test_grep "^ml-prep: many.csv:2: column tags: more than 1024 values$" err &&
	! test -e out.tts &&
	sed "1s/\$/,tags/; 2s/\$/,$(echo "$tags" | cut -d"|" -f1-1024)/; 3,\$s/\$/,t1/" cat.csv >most.csv &&
	ml-prep $SHOP --items most.csv --item-id sku --item-feature tags:multi -o most.tts shop.csv &&
	# 1024 values of sku-1 and one of each other item
	test "$(tt-dump --tsv item_value_offsets most.tts | tail -1)" = 1173
'

# ---- the log's first line ----

test_expect_success 'a csv without a header, columns by number: its first row is not eaten as the header' '
	sed 1d shop.csv >nohead.csv &&
	test_must_fail ml-prep --user-col 4 --item-col 3 --time-col 1 -o out.tts nohead.csv 2>err &&
	test_grep "^ml-prep: nohead.csv:1: the first line, read as the header, holds the number .47.58. \(--no-header if it is data, --header if it names the columns\)$" err &&
	! test -e out.tts &&
	ml-prep --no-header --user-col 4 --item-col 3 --rating-col 6 --time-col 1 --stats -o out.tts nohead.csv 2>err &&
	test_grep "^interactions: 5000$" err &&
	ml-prep --user-col 4 --item-col 3 --rating-col 6 --time-col 1 --stats -o all.tts shop.csv 2>err &&
	test_grep "^interactions: 5000$" err
'

# ---- times ----

test_expect_success 'integer times of milliseconds beside seconds, ISO 8601 or fractions: refused under auto' '
	printf "1\t1\t4\t978229459\n1\t2\t4\t978229460000\n1\t3\t4\t978229461\n" >sizes.tsv &&
	printf "1\t1\t4\t978229460000\n1\t2\t4\t2001-01-01T00:00:00Z\n" >iso.tsv &&
	printf "1\t1\t4\t978229460000\n1\t2\t4\t978229459.5\n" >frac.tsv &&
	for f in sizes:"other times are seconds" iso:"the input has ISO 8601 times or fractions of a second too" \
		frac:"the input has ISO 8601 times or fractions of a second too"; do
		test_must_fail ml-prep --split none -o ${f%%:*}.tts ${f%%:*}.tsv 2>err &&
		test_grep "^ml-prep: time 978229460000 is milliseconds by its size \(at least 10\^11: as seconds after the year 5138\), but ${f#*:}: --time-unit ms or s says which the integer times are$" err &&
		! test -e ${f%%:*}.tts || return 1
	done &&
	ml-prep --split none --time-unit ms -o iso.tts iso.tsv &&
	tt-dump --tsv times iso.tts >actual &&
	printf "978229460000\n978307200000\n" >expect && test_cmp expect actual &&
	ml-prep --split none --time-unit s -o sizes.tts sizes.tsv &&
	printf "1\t1\t4\t978229460000\n1\t2\t4\t978229461000\n" >ms.tsv &&
	ml-prep --split none -o ms.tts ms.tsv 2>err &&
	test_grep "times taken as milliseconds" err
'

# ---- --where ----

test_expect_success '--where: a value that no row holds is said, the rows of the others kept' '
	ml-prep $SHOP --where event_type=purchse,view --stats -o w.tts shop.csv 2>err &&
	test_grep "^ml-prep: --where event_type=purchse,view: no row holds .purchse.$" err &&
	test $(grep -c "no row holds" err) = 1 &&
	views=$(grep -c ",view," shop.csv) &&
	test_grep "^interactions: $views$" err &&
	ml-prep $SHOP --where "channel=web, app" -o w.tts shop.csv 2>err &&
	test_grep "^ml-prep: --where channel=web, app: no row holds . app.$" err &&
	ml-prep $SHOP --where event_type=purchase,view -o w.tts shop.csv 2>err &&
	! test -s err
'

# ---- shards ----

test_expect_success 'tt-topk --merge: shards that left out different items (--keep-seen, --exclude) are refused' '
	ml-prep $SHOP -o sp.tts shop.csv && tt-fit $TINY --max-steps 2 -o sp.bin sp.tts 2>/dev/null &&
	tt-embed -o it.tts sp.bin && tt-embed --users -o us.tts sp.bin sp.tts &&
	tt-topk -k 3 --format tts --shard 0/2 --keep-seen -o kept0.tts it.tts us.tts &&
	tt-topk -k 3 --format tts --shard 1/2 -o seen1.tts it.tts us.tts &&
	test_must_fail tt-topk --merge -o out.txt it.tts kept0.tts seen1.tts 2>err &&
	test_grep "^tt-topk: seen1.tts: left_out=seen, kept0.tts left_out=none: shards of searches that left out different items \(--keep-seen, --exclude\)$" err &&
	! test -e out.txt &&
	printf "sku-5\nsku-1\n" >ex1 && printf "sku-1\nsku-5\nsku-1\n" >ex2 &&
	tt-topk -k 3 --format tts --shard 0/2 --exclude ex1 -o ex0.tts it.tts us.tts &&
	tt-topk -k 3 --format tts --shard 1/2 --exclude ex2 -o ex1.tts it.tts us.tts &&
	test_must_fail tt-topk --merge it.tts ex0.tts seen1.tts >out 2>err &&
	test_grep "^tt-topk: seen1.tts: left_out=seen, ex0.tts left_out=seen\+exclude:[0-9a-f]{16}: shards" err &&
	tt-topk --merge it.tts ex0.tts ex1.tts >got &&
	tt-topk -k 3 --exclude ex1 it.tts us.tts >want && test_cmp want got &&
	tt-topk -k 3 --format tts --shard 0/2 -o seen0.tts it.tts us.tts &&
	tt-topk --merge it.tts seen0.tts seen1.tts >got &&
	tt-topk -k 3 it.tts us.tts >want && test_cmp want got
'

# ---- warm starts of feature models ----

# The log plain, with the catalogue's brand, with a users file's segment;
# a model of each of the two.
awk -F, 'NR > 1 && !seen[$4]++ { print $4 ",s" NR % 3 }' shop.csv | sed '1i cid,seg' >users.csv &&
ml-prep $SHOP -o plain.tts shop.csv &&
ml-prep $SHOP --items cat.csv --item-id sku --item-feature brand -o items.tts shop.csv &&
ml-prep $SHOP --users users.csv --user-id cid --user-feature seg -o users.tts shop.csv &&
tt-fit $TINY --max-steps 2 -o icols.bin items.tts 2>/dev/null &&
tt-fit $TINY --max-steps 2 -o ucols.bin users.tts 2>/dev/null || exit 1

test_expect_success 'tt-fit --init of a model of catalogue or users file columns: data without them refused' '
	tt-dump ucols.bin | grep "^ *user_vocab=3$" &&
	test_must_fail tt-fit $TINY --max-steps 1 --init ucols.bin -o u.bin plain.tts 2>err &&
	test_grep "^tt-fit: ucols.bin: the model has user features \(3 users file column values\), the data none \(ml-prep --users with --user-feature\)$" err &&
	! test -e u.bin &&
	test_must_fail tt-fit $TINY --max-steps 1 --init icols.bin -o i.bin plain.tts 2>err &&
	test_grep "^tt-fit: icols.bin: the model has item features \(7 catalogue column values\), the data none \(ml-prep --items with --item-feature\)$" err &&
	! test -e i.bin &&
	tt-fit $TINY --max-steps 1 --init ucols.bin -o u.bin users.tts 2>/dev/null &&
	tt-dump u.bin | grep "^ *user_vocab=3$"
'

test_expect_success 'tt-fit --init of a model of item features with --no-features: a usage error' '
	test_must_fail tt-fit $TINY --max-steps 1 --no-features --init icols.bin -o i.bin items.tts 2>err &&
	test_grep "^tt-fit: --no-features contradicts the model of --init icols.bin, which has item features" err &&
	! test -e i.bin &&
	tt-fit $TINY --max-steps 1 --no-features -o ids.bin plain.tts 2>/dev/null &&
	tt-fit $TINY --max-steps 1 --no-features --init ids.bin -o i.bin plain.tts 2>/dev/null
'

test_done
