#!/bin/sh
test_description='string ids downstream: tt-embed, tt-topk (recommendations, --similar, --exclude, --merge), tt-rec and tt-eval take and print the ids as the log gave them'
. "$(dirname "$0")/test-lib.sh"

# One generated log twice: integer ids, and a shop's strings for the same
# interactions (user u is c_0000u, item i is sku-i).  The integers are
# renumbered in order of first appearance, the order string ids are
# numbered in, so that both logs give one numbering and one model.
ml-synth --users 200 --items 150 --ratings 8000 --seed 5 |
	awk -F'::' -v OFS='::' '!($1 in u) { u[$1] = ++nu } !($2 in i) { i[$2] = ++ni }
		{ $1 = u[$1]; $2 = i[$2]; print }' >num.dat || exit 1
awk -F'::' 'BEGIN { print "event_time,sku,customer" }
	{ printf "%s,sku-%d,c_%05d\n", $4, $2, $1 }' num.dat >shop.csv || exit 1
SHOP="--user-col customer --item-col sku --time-col event_time"

# The integer run's TSV with its ids written as the shop's.
as_shop() { awk -F'\t' -v OFS='\t' '{ $1 = sprintf("c_%05d", $1); $3 = "sku-" $3; print }'; }

test_expect_success 'setup: the same model on both logs' '
	ml-prep num.dat >num.tts && ml-prep $SHOP shop.csv >shop.tts &&
	tt-fit $TINY --max-steps 20 num.tts >num.bin 2>/dev/null &&
	tt-fit $TINY --max-steps 20 shop.tts >shop.bin 2>/dev/null &&
	tt-embed num.bin >ni.tts && tt-embed --users num.bin num.tts >nu.tts &&
	tt-embed shop.bin >si.tts && tt-embed --users shop.bin shop.tts >su.tts &&
	tt-dump si.tts >d && test_grep "^ *ids=strings$" d && test_grep "^names +text" d
'

test_expect_success 'the strings train the same model as the integers: the same vectors' '
	tt-dump --tsv vectors ni.tts >a && tt-dump --tsv vectors si.tts >b && test_cmp a b
'

test_expect_success 'tt-topk prints the ids as given' '
	tt-topk -k 5 ni.tts nu.tts | as_shop >expect &&
	tt-topk -k 5 si.tts su.tts >actual && test_cmp expect actual &&
	grep -q "^c_00001	1	sku-" actual
'

test_expect_success 'tt-topk --format tts | --merge: user names carried through the shards' '
	tt-topk -k 5 --format tts --shard 0/2 si.tts su.tts >s0.tts &&
	tt-topk -k 5 --format tts --shard 1/2 si.tts su.tts >s1.tts &&
	tt-topk -k 5 --merge si.tts s0.tts s1.tts >actual &&
	tt-topk -k 5 si.tts su.tts >expect && test_cmp expect actual
'

test_expect_success 'tt-eval scores the string-id recommendations as the integer ones' '
	tt-topk -k 10 --format tts ni.tts nu.tts | tt-eval --tsv num.tts >expect &&
	tt-topk -k 10 --format tts si.tts su.tts | tt-eval --tsv shop.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'tt-topk --similar and --exclude take string ids' '
	printf "5\n17\n" | tt-topk --similar -k 3 ni.tts |
		awk -F"\t" -v OFS="\t" "{ \$1 = \"sku-\" \$1; \$3 = \"sku-\" \$3; print }" >expect &&
	printf "sku-5\nsku-17\n" | tt-topk --similar -k 3 si.tts >actual && test_cmp expect actual &&
	printf "5\n1 7\n" >ex.num && printf "sku-5\nc_00001 sku-7\n" >ex.shop &&
	tt-topk -k 5 --exclude ex.num ni.tts nu.tts | as_shop >expect &&
	tt-topk -k 5 --exclude ex.shop si.tts su.tts >actual && test_cmp expect actual &&
	echo sku-99999 >bad && test_must_fail tt-topk --exclude bad si.tts su.tts 2>err &&
	test_grep "^tt-topk: bad:1: unknown item id sku-99999$" err
'

test_expect_success 'tt-embed --user takes string ids' '
	tt-embed --users --user c_00003,c_00001 shop.bin shop.tts >two.tts &&
	tt-dump --tsv names two.tts >actual && printf "c_00003\nc_00001\n" >expect &&
	test_cmp expect actual &&
	test_must_fail tt-embed --users --user c_00003,c_00003 shop.bin shop.tts >out 2>err &&
	test_grep "^tt-embed: --user: user c_00003 given twice$" err
'

test_expect_success 'tt-rec: a history of string ids, answers in them, left-out ids said' '
	tt-rec -k 4 num.bin 5 17 3 | awk -F"\t" -v OFS="\t" "NF { \$3 = \"sku-\" \$3 } 1" >expect &&
	tt-rec -k 4 shop.bin sku-5 sku-17 sku-3 >actual && test_cmp expect actual &&
	{ tt-rec -k 2 shop.bin sku-5 5 >out; test $? = 1; } &&
	test_grep "^1	left-out	5	not in the model$" out &&
	echo sku-5 >stock && tt-rec -k 4 --exclude stock shop.bin sku-17 >ex &&
	! cut -f3 ex | grep -qx sku-5
'

test_done
