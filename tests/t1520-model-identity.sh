#!/bin/sh
test_description='model identity: streams made from a model carry it, streams of two models or of part of the items are not combined, recs are scored by item id'
. "$(dirname "$0")/test-lib.sh"

test_pipeline || exit 1

meta_of() { tt-dump "$2" | sed -n "s/^ *$1=//p" | sed 1q; }

test_expect_success 'a model, its items, its users and their recs carry one identity' '
	id=$(meta_of model model.bin) &&
	echo "$id" | grep -E "^[0-9a-f]{16}$" &&
	test "$(meta_of model items.tts)" = "$id" &&
	test "$(meta_of model users.tts)" = "$id" &&
	test "$(meta_of model recs.tts)" = "$id"
'

test_expect_success 'the same training gives the same identity, another seed another' '
	tt-fit $TINY --max-steps 5 prep.tts >again.bin &&
	test "$(meta_of model again.bin)" = "$(meta_of model model.bin)" &&
	tt-fit $TINY --max-steps 5 --seed 2 prep.tts >other.bin &&
	test "$(meta_of model other.bin)" != "$(meta_of model model.bin)"
'

test_expect_success 'tt-topk: items of one model, users of another: refused, naming both' '
	tt-embed other.bin >other_items.tts &&
	test_must_fail tt-topk -k 5 other_items.tts users.tts >out 2>err &&
	test ! -s out &&
	test_grep "^tt-topk: other_items.tts is of model $(meta_of model other.bin), users.tts of model $(meta_of model model.bin): streams of different models$" err
'

test_expect_success 'streams written by other tools (no model=) are taken as they are' '
	zstd -q -dc users.tts | /usr/bin/python3 -c "
import sys, tts
for r in tts.records(sys.stdin.buffer.read()):
    if r.name == \"meta\":
        r = tts.text_record(\"meta\", \"\".join(l + \"\\n\" for l in r.text().splitlines()
                                            if not l.startswith(\"model=\")))
        sys.stdout.buffer.write(r)
    else:
        sys.stdout.buffer.write(r.bytes())
" | zstd -q -c >plain_users.tts &&
	test -z "$(meta_of model plain_users.tts)" &&
	tt-topk -k 5 items.tts users.tts >want &&
	tt-topk -k 5 items.tts plain_users.tts >got &&
	test_cmp want got
'

test_expect_success 'shards carry I/N; merged, they equal the whole search' '
	tt-topk -k 5 --format tts --shard 0/2 items.tts users.tts >s0.tts &&
	tt-topk -k 5 --format tts --shard 1/2 items.tts users.tts >s1.tts &&
	test "$(meta_of shard s1.tts)" = 1/2 &&
	tt-topk -k 5 --merge items.tts s0.tts s1.tts >got &&
	tt-topk -k 5 items.tts users.tts >want &&
	test_cmp want got
'

test_expect_success 'tt-topk --merge with a shard missing: refused' '
	test_must_fail tt-topk -k 5 --merge items.tts s0.tts >out 2>err &&
	test ! -s out &&
	echo "tt-topk: shard 1/2 is missing: its items would be in no list" >expect &&
	test_cmp expect err &&
	tt-topk -k 5 --format tts --shard 0/3 items.tts users.tts >t0.tts &&
	test_must_fail tt-topk -k 5 --merge items.tts s0.tts t0.tts 2>err &&
	test_grep "^tt-topk: t0.tts is shard 0/3, s0.tts one of 2$" err
'

test_expect_success 'tt-topk --merge of shards of two models: refused' '
	tt-embed --users other.bin prep.tts >other_users.tts &&
	tt-topk -k 5 --format tts --shard 1/2 other_items.tts other_users.tts >o1.tts &&
	test_must_fail tt-topk -k 5 --merge items.tts s0.tts o1.tts 2>err &&
	test_grep "^tt-topk: items.tts is of model [0-9a-f]{16}, o1.tts of model [0-9a-f]{16}: streams of different models$" err
'

test_expect_success 'tt-eval on one shard alone: refused, saying to merge' '
	test_must_fail tt-eval prep.tts s0.tts >out 2>err &&
	test ! -s out &&
	echo "tt-eval: s0.tts: the recommendations of shard 0/2 alone: merge the 2 shards with tt-topk --merge first" >expect &&
	test_cmp expect err
'

# HR@10 by original id, from tt-topk's TSV and the prep's records alone.
hr_by_id() {
	tt-dump --tsv offsets "$1" >off && tt-dump --tsv items "$1" >its &&
	tt-dump --tsv test "$1" >tst && tt-dump --tsv item_ids "$1" >iid &&
	tt-dump --tsv user_ids "$1" >uid &&
	awk -v recs="$2" '
		FILENAME == "iid" { id[FNR - 1] = $1; next }
		FILENAME == "its" { item[FNR - 1] = $1; next }
		FILENAME == "uid" { user[FNR - 1] = $1; next }
		FILENAME == "tst" { if ($1 >= 0) { want[user[FNR - 1]] = id[item[$1]]; n++ } next }
		END {
			while ((getline l < recs) > 0) {
				split(l, f, "\t")
				if (f[2] <= 10 && want[f[1]] == f[3]) hit++
			}
			printf "%.6f\n", hit / n
		}' iid its uid tst
}

test_expect_success 'tt-eval scores recs by item id, whatever the model numbered them' '
	ml-prep --items movies.dat --min-item-count 55 r.txt >small.tts &&
	test $(meta_of items small.tts) -lt 150 &&
	tt-fit $TINY --max-steps 40 small.tts >small.bin 2>/dev/null &&
	tt-embed small.bin >small_items.tts &&
	tt-embed --users small.bin prep.tts >su.tts 2>/dev/null &&
	tt-topk -k 10 small_items.tts su.tts >recs.tsv &&
	tt-topk -k 10 --format tts small_items.tts su.tts >small_recs.tts &&
	hr_by_id prep.tts recs.tsv >expect &&
	tt-eval --tsv --k 10 prep.tts small_recs.tts >got &&
	sed -n "s/^hr	10	//p" got >actual &&
	test_cmp expect actual
'

test_expect_success 'tt-embed --users: history items the model lacks are said; none known is an error' '
	tt-embed --users small.bin prep.tts >/dev/null 2>err &&
	test_grep "^tt-embed: prep.tts: [0-9]+ history items of [0-9]+ items the model does not know, left out$" err &&
	awk -F:: "{ print \$1 \"::\" \$2 + 10000 \"::\" \$3 \"::\" \$4 }" r.txt >shifted.txt &&
	ml-prep shifted.txt >shifted.tts &&
	test_must_fail tt-embed --users model.bin shifted.tts >out 2>err &&
	test ! -s out &&
	echo "tt-embed: shifted.tts: none of its 150 items is one of the model'"'"'s: a data set of other ids?" >expect &&
	test_cmp expect err
'

test_done
