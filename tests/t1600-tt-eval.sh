#!/bin/sh
test_description='tt-eval: metrics of a recs stream, the pop baseline'
. "$(dirname "$0")/test-lib.sh"

# The fixture of tests/unit/test_topk.c (see t1500).  With k=2 the test
# targets sit at ranks 0, 1, 1; the lists' first items are 10, 20, 20 and
# their items 10 30 20 40 of the 5.
UNIT=${TT_UNIT_DIR:-$TOP/build/opt/tests}
case $UNIT in /*) ;; *) UNIT=$TOP/$UNIT ;; esac
"$UNIT/test_topk" --write-embeddings . &&
tt-topk -k 2 --format tts items.tts <users.tts >recs.tts || exit 1

test_expect_success 'the table for people' '
	cat >expect <<-EOF &&
	recs (test split, 3 users)
	                 @1       @2
	HR           0.3333   1.0000
	NDCG         0.3333   0.7540
	MRR          0.3333   0.6667
	coverage     0.4000   0.8000
	EOF
	tt-eval --k 2,1 prep.tts <recs.tts >actual &&
	test_cmp expect actual
'

test_expect_success '--tsv, hand-computed: NDCG@2 = (1 + 2/log2(3))/3' '
	cat >expect <<-EOF &&
	hr	1	0.333333
	hr	2	1.000000
	ndcg	1	0.333333
	ndcg	2	0.753953
	mrr	1	0.333333
	mrr	2	0.666667
	coverage	1	0.400000
	coverage	2	0.800000
	EOF
	tt-eval --tsv --k 1,2 prep.tts recs.tts >actual &&
	test_cmp expect actual
'

test_expect_success '--history-max: only the users of short histories, hand-computed' '
	tt-eval --k 1,2 --history-max 2 prep.tts recs.tts >table &&
	test_grep "^recs \(test split, histories of at most 2, 2 users\)$" table &&
	tt-eval --tsv --k 1,2 --history-max 2 prep.tts recs.tts | grep -v coverage >actual &&
	cat >expect <<-EOF &&
	hr	1	0.500000
	hr	2	1.000000
	ndcg	1	0.500000
	ndcg	2	0.815465
	mrr	1	0.500000
	mrr	2	0.750000
	EOF
	test_cmp expect actual &&
	test_must_fail tt-eval --history-max 1 prep.tts recs.tts 2>err &&
	echo "tt-eval: prep.tts: --history-max 1: no user with a target has so short a history" >expect &&
	test_cmp expect err
'

test_expect_success 'without --k, lists of 2: evaluated at 2, as --k 2' '
	tt-eval --tsv --k 2 prep.tts recs.tts >expect &&
	tt-eval --tsv prep.tts <recs.tts >actual &&
	test_cmp expect actual
'

# Lists longer than the fixture's 5 items: a small trained pipeline.
test_expect_success 'setup: a pipeline over 60 items' '
	ml-synth --users 100 --items 60 --ratings 2500 --seed 4 --format seq >big.txt &&
	ml-prep big.txt >big.tts &&
	tt-fit --dim 8 --hidden 16 --history 10 --blocks 1 --epochs 1 -t 1 big.tts >big.bin &&
	tt-embed big.bin >bitems.tts &&
	tt-embed --users big.bin big.tts >busers.tts &&
	tt-topk -k 12 --format tts bitems.tts busers.tts >recs12.tts &&
	tt-topk -k 25 --format tts bitems.tts busers.tts >recs25.tts
'

test_expect_success 'without --k, lists of 12: at 10 of the default 10,20' '
	tt-eval --tsv --k 10 big.tts recs12.tts >expect &&
	tt-topk -k 12 --format tts bitems.tts busers.tts | tt-eval --tsv big.tts >actual &&
	test_cmp expect actual &&
	test_grep "^hr	10	" actual
'

test_expect_success 'without --k, lists of 25: at 10 and 20, and so is the baseline' '
	tt-eval --tsv --k 10,20 --baseline pop big.tts recs25.tts >expect &&
	tt-eval --tsv --baseline pop big.tts recs25.tts >actual &&
	test_cmp expect actual &&
	test_grep "^pop.hr	20	" actual
'

test_expect_success 'lists of 12 and lists of 2 with the baseline: it uses the same K' '
	tt-eval --tsv --baseline pop big.tts recs12.tts >out &&
	test_grep "^pop.hr	10	" out && ! grep -q "	20	" out &&
	tt-eval --tsv --baseline pop prep.tts recs.tts >out &&
	test_grep "^pop.hr	2	" out && ! grep -q "	10	" out
'

test_expect_success 'an explicit --k beyond the lists is an error' '
	test_must_fail tt-eval --k 10,20 big.tts <recs12.tts 2>err &&
	test_grep "^tt-eval: <stdin>: k=12, fewer than the largest --k \\(20\\)\$" err &&
	test_must_fail tt-eval --k 3 prep.tts recs.tts 2>err &&
	test_grep "recs.tts: k=2, fewer than the largest --k \\(3\\)" err
'

test_expect_success 'a longer list evaluates the same at the same K' '
	tt-topk -k 4 --format tts items.tts <users.tts >recs4.tts &&
	tt-eval --tsv --k 1,2 prep.tts recs.tts >expect &&
	tt-eval --tsv --k 1,2 prep.tts recs4.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'a missing user counts as a miss, with a warning' '
	tt-topk -k 2 --format tts items.tts <users2.tts >part.tts &&
	tt-eval --tsv --k 2 prep.tts part.tts >out 2>err &&
	test_grep "^hr	2	0.666667\$" out &&
	test_grep "^tt-eval: part.tts: 1 of 3 users with a test target have no recommendations; counted as misses\$" err
'

test_expect_success '--baseline pop alone: test split' '
	cat >expect <<-EOF &&
	pop.hr	1	1.000000
	pop.hr	2	1.000000
	pop.ndcg	1	1.000000
	pop.ndcg	2	1.000000
	pop.mrr	1	1.000000
	pop.mrr	2	1.000000
	pop.coverage	1	0.600000
	pop.coverage	2	0.800000
	EOF
	tt-eval --tsv --k 1,2 --baseline pop prep.tts </dev/null >actual &&
	test_cmp expect actual
'

test_expect_success '--baseline pop --split valid: ranks 3, 0, 1' '
	cat >expect <<-EOF &&
	pop.hr	1	0.333333
	pop.hr	2	0.666667
	pop.hr	4	1.000000
	pop.ndcg	1	0.333333
	pop.ndcg	2	0.543643
	pop.ndcg	4	0.687202
	pop.mrr	1	0.333333
	pop.mrr	2	0.500000
	pop.mrr	4	0.583333
	pop.coverage	1	0.400000
	pop.coverage	2	0.800000
	pop.coverage	4	1.000000
	EOF
	tt-eval --tsv --k 1,2,4 --split valid --baseline pop prep.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'recs and baseline together; at=test recs on valid warn' '
	tt-eval --tsv --k 2 --split valid --baseline pop prep.tts recs.tts >out 2>err &&
	test_grep "^hr	2	0.000000\$" out &&
	test_grep "^pop.hr	2	0.666667\$" out &&
	test_grep "made at=test, evaluated on the valid split" err
'

# Several targets a user (ml-prep --split time --targets all), by hand:
# user 1 trains on items 1 2, validates on 3, is tested on 4 5 6; user 2
# trains on 1, is tested on 7; user 3 trains only.  Items k are indices
# k-1.  The lists (k=4): user 1 5 7 4 2 (hits at ranks 0 and 2), user 2
# 3 7 1 2 (a hit at rank 1), user 3 1 2 3 4 (not scored).
test_expect_success 'setup: a temporal split and hand-made recs' '
	cat >t.dat <<-EOF &&
	1::1::4::1
	1::2::4::2
	1::3::4::5
	1::4::4::8
	1::5::4::9
	1::6::4::10
	2::1::4::1
	2::7::4::8
	3::2::4::1
	3::3::4::2
	3::4::4::3
	EOF
	ml-prep --split time --cutoff 7 --valid-cutoff 4 --targets all t.dat >tall.tts &&
	ml-prep --split time --cutoff 7 --valid-cutoff 4 t.dat >tnext.tts &&
	python3 - <<-EOF | zstd -q -c >trecs.tts
	import sys, tts
	out = sys.stdout.buffer
	def record(name, dtype, dims, values):
	    out.write(tts.record(name, dtype, dims, tts.pack(dtype, values)))
	out.write(tts.text_record("meta", "kind=recs\nk=4\nat=test\n"))
	lists = [[5, 7, 4, 2], [3, 7, 1, 2], [1, 2, 3, 4]]
	record("users", tts.I32, [3], [0, 1, 2])
	record("user_ids", tts.I64, [3], [1, 2, 3])
	record("items", tts.I32, [3, 4], [i - 1 for l in lists for i in l])
	record("scores", tts.F32, [3, 4], [4.0 - r for l in lists for r in range(4)])
	out.write(tts.end())
	EOF
'

test_expect_success 'several targets: HR, recall, precision, NDCG, MRR, coverage by hand' '
	cat >expect <<-EOF &&
	hr	1	0.500000
	hr	2	1.000000
	hr	4	1.000000
	recall	1	0.166667
	recall	2	0.666667
	recall	4	0.833333
	precision	1	0.500000
	precision	2	0.500000
	precision	4	0.375000
	ndcg	1	0.500000
	ndcg	2	0.622038
	ndcg	4	0.667424
	mrr	1	0.500000
	mrr	2	0.750000
	mrr	4	0.750000
	coverage	1	0.285714
	coverage	2	0.428571
	coverage	4	0.857143
	EOF
	tt-eval --tsv --k 1,2,4 tall.tts trecs.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'NDCG@2 of user 1 is DCG over the DCG of two targets first' '
	python3 -c "
from math import log2
u1 = 1 / (1 + 1 / log2(3)); u2 = 1 / log2(3)
print(\"%.6f\" % ((u1 + u2) / 2))" >expect &&
	tt-eval --tsv --k 2 tall.tts trecs.tts | sed -n "s/^ndcg	2	//p" >actual &&
	test_cmp expect actual
'

test_expect_success 'the table has recall and precision rows with several targets' '
	tt-eval --k 2 tall.tts trecs.tts >table &&
	test_grep "^recs \\(test split, 2 users\\)\$" table &&
	test_grep "^recall       0.6667\$" table &&
	test_grep "^precision    0.5000\$" table
'

test_expect_success '--targets next: the first item after the cut-off only, the rows of one target' '
	cat >expect <<-EOF &&
	hr	2	0.500000
	hr	4	1.000000
	ndcg	2	0.315465
	ndcg	4	0.565465
	mrr	2	0.250000
	mrr	4	0.416667
	coverage	2	0.428571
	coverage	4	0.857143
	EOF
	tt-eval --tsv --k 2,4 tnext.tts trecs.tts >actual &&
	test_cmp expect actual
'

test_expect_success '--baseline recent: the days before the cut-off, the history excluded' '
	tt-eval --tsv --k 1,4 --baseline recent --recent-days 1 tall.tts >out &&
	test_grep "^recent.hr	1	0.500000\$" out &&
	test_grep "^recent.recall	4	0.500000\$" out &&
	test_grep "^recent.precision	4	0.375000\$" out
'

test_expect_success '--baseline recent needs a temporal split; --recent-days needs it' '
	test_must_fail tt-eval --baseline recent prep.tts 2>err &&
	test_grep "^tt-eval: prep.tts: --baseline recent needs a temporal split \\(ml-prep --split time\\), not split=loo\$" err &&
	{ tt-eval --recent-days 3 --baseline pop tall.tts 2>err; test $? = 2; } &&
	test_grep "^tt-eval: --recent-days needs --baseline recent\$" err
'

test_expect_success 'a split with no test users is an error, not a table of zeros' '
	ml-prep --split none t.dat >none.tts &&
	test_must_fail tt-eval none.tts trecs.tts >out 2>err &&
	echo "tt-eval: none.tts: no user has a test target (split=none): nothing to evaluate" >expect &&
	test_cmp expect err &&
	! test -s out &&
	test_must_fail tt-eval --split valid --baseline pop none.tts >out 2>err &&
	test_grep "^tt-eval: none.tts: no user has a validation target \\(split=none\\)" err &&
	! test -s out
'

test_expect_success 'a stream that is not recs' '
	test_must_fail tt-eval --k 1 prep.tts items.tts 2>err &&
	test_grep "items.tts: kind=embeddings, expected kind=recs" err
'

test_expect_success 'a truncated recs stream' '
	size=$(wc -c <recs.tts) &&
	head -c $((size - 10)) recs.tts >trunc.tts &&
	test_must_fail tt-eval --k 1 prep.tts trunc.tts 2>err &&
	test_grep "trunc.tts: " err
'

test_expect_success 'bad usage: exit 2' '
	{ tt-eval --k 0 prep.tts <recs.tts 2>err; test $? = 2; } &&
	{ tt-eval --k 1,x prep.tts <recs.tts 2>err; test $? = 2; } &&
	{ tt-eval --split train prep.tts <recs.tts 2>err; test $? = 2; } &&
	{ tt-eval --baseline nope prep.tts <recs.tts 2>err; test $? = 2; } &&
	{ tt-eval 2>err; test $? = 2; }
'

test_expect_success 'every --help option is in the man page and back' '
	tt-eval --help | grep -oE -- "--[a-z-]+" | sort -u >help.opts &&
	grep -oE "^\\.It Fl (-[a-z-]+|[a-z] , Fl -[a-z-]+)" "$TOP/man/tt-eval.1" |
		grep -oE -- "-[a-z-]+\$" | sed "s/^/-/" | sort -u >man.opts &&
	test_cmp help.opts man.opts
'

test_done
