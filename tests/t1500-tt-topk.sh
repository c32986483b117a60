#!/bin/sh
test_description='tt-topk: exact top-K, exclusions, formats, errors'
. "$(dirname "$0")/test-lib.sh"

# The fixture (tests/unit/test_topk.c): items 10..50, users 100, 200, 300;
# scores u100: 1 0 1 2 0, u200: 0 1 1 0 0, u300: 1 2 3 2 0; seen u100
# {40 20}, u200 {50 10}, u300 {30 10 50}; test items 10, 30, 40.
UNIT=${TT_UNIT_DIR:-$TOP/build/opt/tests}
case $UNIT in /*) ;; *) UNIT=$TOP/$UNIT ;; esac
"$UNIT/test_topk" --write-embeddings . || exit 1
TAB=$(printf '\t')

test_expect_success 'top 3, seen excluded, ties by item index' '
	cat >expect <<-EOF &&
	100	1	10	1	Alpha (1990)
	100	2	30	1	Gamma three
	100	3	50	0	Epsilon
	200	1	20	1	Beta
	200	2	30	1	Gamma three
	200	3	40	0	Delta
	300	1	20	2	Beta
	300	2	40	2	Delta
	EOF
	tt-topk -k 3 items.tts <users.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'USERS.tts as an operand, the same' '
	tt-topk -k 3 items.tts <users.tts >expect &&
	tt-topk -k 3 items.tts users.tts >actual &&
	test_cmp expect actual
'

test_expect_success '--keep-seen' '
	cat >expect <<-EOF &&
	100	1	40	2	Delta
	100	2	10	1	Alpha (1990)
	300	1	30	3	Gamma three
	300	2	20	2	Beta
	EOF
	tt-topk -k 2 --keep-seen items.tts <users.tts >out &&
	grep -v "^200" out >actual &&
	test_cmp expect actual
'

test_expect_success '--exclude: global and per user' '
	printf "# comment\n10\n300 20\n\n" >excl &&
	cat >expect <<-EOF &&
	100	1	30	1	Gamma three
	100	2	50	0	Epsilon
	200	1	20	1	Beta
	200	2	30	1	Gamma three
	300	1	40	2	Delta
	EOF
	tt-topk -k 2 --exclude excl items.tts <users.tts >actual &&
	test_cmp expect actual
'

test_expect_success '--exclude: an unknown item id is an error with file:line' '
	printf "10\n99\n" >excl &&
	test_must_fail tt-topk --exclude excl items.tts <users.tts 2>err &&
	test_grep "excl:2: unknown item id 99" err
'

test_expect_success '-k larger than the unseen items: shorter lists' '
	tt-topk -k 10 items.tts <users.tts >out &&
	test $(grep -c "^100" out) = 3 &&
	test $(grep -c "^300" out) = 2
'

test_expect_success '--threads does not change the output' '
	tt-topk -k 4 --threads 1 items.tts <users.tts >expect &&
	tt-topk -k 4 --threads 3 items.tts <users.tts >actual &&
	TT_THREADS=2 tt-topk -k 4 items.tts <users.tts >actual2 &&
	test_cmp expect actual &&
	test_cmp expect actual2
'

test_expect_success '-o writes the file' '
	tt-topk -k 3 items.tts <users.tts >expect &&
	tt-topk -k 3 -o out.tsv items.tts <users.tts >stdout &&
	test_cmp expect out.tsv &&
	test ! -s stdout
'

test_expect_success '--format tts: a recs stream tt-eval reads' '
	tt-topk -k 2 --format tts items.tts <users.tts >recs.tts &&
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

test_expect_success 'sharded and merged equals unsharded, byte for byte' '
	tt-topk -k 3 items.tts <users.tts >expect &&
	tt-topk -k 3 --shard 0/3 --format tts items.tts <users.tts >s0.tts &&
	tt-topk -k 3 --shard 1/3 --format tts items.tts <users.tts >s1.tts &&
	tt-topk -k 3 --shard 2/3 --format tts items.tts <users.tts >s2.tts &&
	tt-topk --merge items.tts s0.tts s1.tts s2.tts >actual &&
	test_cmp expect actual &&
	tt-topk -k 3 --format tts items.tts <users.tts >whole.tts &&
	tt-topk --merge --format tts items.tts s2.tts s0.tts s1.tts >merged.tts &&
	cmp whole.tts merged.tts
'

test_expect_success '--merge: other users or a smaller k are errors' '
	tt-topk -k 3 --format tts items.tts <users.tts >a.tts &&
	tt-topk -k 3 --format tts items.tts <users1.tts >b.tts &&
	test_must_fail tt-topk --merge items.tts a.tts b.tts 2>err &&
	test_grep "b.tts: group 1: users differ from a.tts" err &&
	test_must_fail tt-topk -k 5 --merge items.tts a.tts 2>err &&
	test_grep "a.tts: k=3, fewer than the 5 asked" err
'

test_expect_success 'a closed pipe ends tt-topk quietly with status 0' '
	tt-topk -k 5 items.tts <many.tts >expect &&
	test $(wc -l <expect) = 25000 &&
	{ tt-topk -k 5 items.tts <many.tts 2>err; echo $? >status; } | head -3 >actual &&
	test "$(cat status)" = 0 &&
	test ! -s err &&
	head -3 expect >expect3 &&
	test_cmp expect3 actual &&
	{ tt-topk -k 5 --format tts items.tts <many.tts 2>err; echo $? >status; } | head -c 100 >/dev/null &&
	test "$(cat status)" = 0 &&
	test ! -s err
'

test_expect_success 'ITEMS.tts that is not an embeddings stream' '
	test_must_fail tt-topk items.tts prep.tts 2>err1 &&
	test_grep "^tt-topk: prep.tts: kind=prep, expected kind=embeddings\$" err1 &&
	test_must_fail tt-topk prep.tts <users.tts 2>err &&
	test_grep "^tt-topk: prep.tts: kind=prep, expected kind=embeddings\$" err
'

test_expect_success 'users stream as ITEMS.tts: of=users' '
	test_must_fail tt-topk users.tts <users.tts 2>err &&
	test_grep "users.tts: embeddings of users, expected items" err
'

test_expect_success 'dimension mismatch names both streams' '
	test_must_fail tt-topk items.tts <users3.tts 2>err &&
	test_grep "dimension mismatch: items.tts has dim=2, <stdin> has dim=3" err
'

test_expect_success 'a truncated users stream: error, non-zero exit' '
	size=$(wc -c <users.tts) &&
	head -c $((size - 20)) users.tts >trunc.tts &&
	test_must_fail tt-topk items.tts <trunc.tts >out 2>err &&
	test_grep "<stdin>: .*(truncated|end)" err
'

test_expect_success 'bad usage: exit 2' '
	{ tt-topk --shard 3/3 items.tts <users.tts 2>err; test $? = 2; } &&
	{ tt-topk --format csv items.tts <users.tts 2>err; test $? = 2; } &&
	{ tt-topk -k 0 items.tts <users.tts 2>err; test $? = 2; } &&
	{ tt-topk <users.tts 2>err; test $? = 2; }
'

test_expect_success '--help, --version' '
	tt-topk --help >help && test_grep "^usage: tt-topk" help &&
	tt-topk --version >version && test_grep "^tt-topk \\(tt\\)" version
'

test_expect_success 'every --help option is in the man page and back' '
	tt-topk --help | grep -oE -- "--[a-z-]+" | sort -u >help.opts &&
	grep -oE "^\\.It Fl (-[a-z-]+|[a-z] , Fl -[a-z-]+)" "$TOP/man/tt-topk.1" |
		grep -oE -- "-[a-z-]+\$" | sed "s/^/-/" | sort -u >man.opts &&
	test_cmp help.opts man.opts
'

test_done
