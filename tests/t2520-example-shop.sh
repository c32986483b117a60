#!/bin/sh
test_description='examples/shop/run.sh: a shop event log (ml-synth --format shop) from the raw file to recommendations and similar items under its string ids'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'ml-synth --format shop: the shop log shape, the same bytes for the same seed' '
	ml-synth --format shop -u 50 -i 100 -r 1500 -s 4 -o shop.csv &&
	ml-synth --format shop -u 50 -i 100 -r 1500 -s 4 -o again.csv && cmp shop.csv again.csv &&
	head -1 shop.csv >actual &&
	echo "event_time,event_type,sku,customer,price,rating,channel" >expect && test_cmp expect actual &&
	test $(wc -l <shop.csv) = 1501 &&
	sed 1d shop.csv | grep -Evc "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z,(purchase|view),sku-[0-9]+,c_[0-9]{5},[0-9]+\.[0-9]{2},[1-5],(\"web, app\"|store|web)\$" >bad;
	test "$(cat bad)" = 0 && grep -q "\"web, app\"" shop.csv
'

test_expect_success 'the example runs on it: recommendations, similar items and a new customer, by string id' '
	TT_FIT_OPTS="$TINY --max-steps 30" sh "$TOP/examples/shop/run.sh" shop.csv out >log 2>err &&
	test_grep "^c_[0-9]{5}	1	sku-[0-9]+	[-0-9.e]+\$" out/recs.tsv &&
	test $(cut -f1 out/recs.tsv | sort -u | wc -l) = 50 &&
	test_grep "^sku-1	1	sku-[0-9]+	" out/similar.tsv &&
	! grep -q "^sku-1	[0-9]*	sku-1	" out/similar.tsv &&
	test_grep "^1	1	sku-[0-9]+	" out/new.tsv &&
	test_grep "^HR " out/quality.txt
'

test_done
