#!/bin/sh
test_description='ml-prep --cold-items: the cold-start split'
. "$(dirname "$0")/test-lib.sh"

# Generated data with genres; users of 1 to 5 items, to leave some short.
ml-synth -u 1000 -i 1000 -r 25000 --movies movies.dat -o ratings.dat &&
awk 'BEGIN { for (u = 1; u <= 300; u++) for (j = 0; j <= u % 5; j++)
	print u, (u * 7 + j * 11) % 30 + 1 }' >short.txt || exit 1

# Each user of a prep stream as 'id: item item ... | valid test', items as
# indices, the targets as places in the row (- when none).
rows() {
	for r in user_ids offsets items valid test; do
		tt-dump --tsv $r "$1" >$r.tsv || return 1
	done
	awk 'FILENAME == "user_ids.tsv" { id[U++] = $1; next }
	FILENAME == "offsets.tsv" { off[o++] = $1; next }
	FILENAME == "items.tsv" { it[z++] = $1; next }
	FILENAME == "valid.tsv" { v[a++] = $1; next }
	FILENAME == "test.tsv" { t[b++] = $1; next }
	END {
		for (u = 0; u < U; u++) {
			s = id[u] ":"
			for (j = off[u]; j < off[u + 1]; j++)
				s = s " " it[j]
			print s " | " (v[u] < 0 ? "-" : v[u] - off[u]) " " \
				(t[u] < 0 ? "-" : t[u] - off[u])
		}
	}' user_ids.tsv offsets.tsv items.tsv valid.tsv test.tsv
}

# The rule of ml-prep(1), from the rows of the stream without cold items
# ($1) and the cold flags ($2): a last item is kept, cold or not, when two
# warm ones are left before it; a user left with fewer than 3 trains only;
# a user left with none is gone.
expected_rows() {
	rows "$1" >expected.in &&
	awk 'FILENAME == ARGV[1] { cold[n++] = $1; next }
	{
		L = 0
		for (i = 2; $i != "|"; i++)
			r[L++] = $i
		warm = 0
		for (j = 0; j < L - 1; j++)
			warm += !cold[r[j]]
		keep_last = L >= 3 && warm >= 2
		s = ""
		k = 0
		for (j = 0; j < L; j++)
			if (!cold[r[j]] || (keep_last && j == L - 1)) {
				s = s " " r[j]
				k++
			}
		if (k)
			print $1 s " | " (k >= 3 ? k - 2 " " k - 1 : "- -")
	}' "$2" expected.in
}

# The streams the tests read: 10% cold, and none.
ml-prep --cold-items 0.1 ratings.dat >cold.tts &&
ml-prep ratings.dat >plain.tts &&
tt-dump --tsv cold cold.tts >flags &&
rows cold.tts >cold.rows &&
rows plain.tts >plain.rows || exit 1

test_expect_success 'round(F * N) items are cold, and the meta record says so' '
	tt-dump --tsv item_ids cold.tts >ids &&
	n=$(wc -l <ids) &&
	test "$n" = 1000 &&
	test $(wc -l <flags) = 1000 &&
	test $(grep -c "^1\$" flags) = 100 &&
	test $(grep -c "^0\$" flags) = 900 &&
	ml-prep --cold-items 0.0333 ratings.dat >c3.tts &&
	tt-dump --tsv cold c3.tts | grep -c "^1\$" >count &&
	echo 33 >expect && test_cmp expect count &&
	tt-dump cold.tts >dump &&
	test_grep "^    cold_fraction=0.1\$" dump &&
	test_grep "^    cold_seed=1\$" dump &&
	test_grep "^    cold_items=100\$" dump &&
	test_grep "^cold +u8 +\\(1000\\)" dump
'

test_expect_success 'the same seed draws the same items; another seed others' '
	ml-prep --cold-items 0.1 --seed 1 ratings.dat >s1.tts &&
	cmp cold.tts s1.tts &&
	ml-prep --cold-items 0.1 --seed 2 ratings.dat >s2.tts &&
	tt-dump --tsv cold s2.tts >flags2 &&
	test $(grep -c "^1\$" flags2) = 100 &&
	! cmp -s flags flags2
'

test_expect_success 'no cold item in a training or validation history' '
	awk "FILENAME == \"flags\" { c[n++] = \$1; next }
		{ for (i = 2; \$i != \"|\"; i++) if (c[\$i]) {
			t = \$(NF)
			if (i - 2 != t) { print \"cold in a history: \" \$0; bad = 1 }
			else cold_targets++
		} }
		END { print cold_targets + 0; exit bad }" flags cold.rows >targets &&
	test $(cat targets) -gt 50
'

test_expect_success 'the rows are the plain rows without the cold items, test targets kept' '
	expected_rows plain.tts flags >expect &&
	rows cold.tts >actual &&
	test_cmp expect actual
'

test_expect_success 'the test targets are the same items as without cold items' '
	tt-dump --tsv test plain.tts >t.plain &&
	tt-dump --tsv test cold.tts >t.cold &&
	tt-dump --tsv items plain.tts >i.plain &&
	tt-dump --tsv items cold.tts >i.cold &&
	awk "FILENAME == \"i.plain\" { ip[n++] = \$1; next }
		FILENAME == \"t.plain\" { print ip[\$1]; next }" i.plain t.plain >expect &&
	awk "FILENAME == \"i.cold\" { ic[n++] = \$1; next }
		FILENAME == \"t.cold\" { print ic[\$1]; next }" i.cold t.cold >actual &&
	test_cmp expect actual
'

test_expect_success 'users left with too little train only or go, by the rule' '
	ml-prep --stats --cold-items 0.4 short.txt >short.tts 2>err &&
	ml-prep short.txt >short-plain.tts &&
	tt-dump --tsv cold short.tts >short.flags &&
	expected_rows short-plain.tts short.flags >expect &&
	rows short.tts >actual &&
	test_cmp expect actual &&
	test_grep "^cold: items 12, interactions removed [0-9]+, test users [1-9][0-9]*, users made train-only [1-9][0-9]*, users dropped [1-9][0-9]*\$" err &&
	dropped=$(sed -n "s/.*users dropped //p" err) &&
	test $(wc -l <actual) = $((300 - dropped))
'

test_expect_success '--stats: the cold items, the interactions removed and the cold test users' '
	ml-prep --stats --cold-items 0.1 ratings.dat 2>err >/dev/null &&
	removed=$(awk "FILENAME == \"flags\" { c[n++] = \$1; next }
		{ for (i = 2; \$i != \"|\"; i++) k += c[\$i] } END { print k }" flags plain.rows) &&
	users=$(awk "FILENAME == \"flags\" { c[n++] = \$1; next }
		\$NF != \"-\" { k += c[\$(\$NF + 2)] } END { print k }" flags cold.rows) &&
	echo "cold: items 100, interactions removed $((removed - users)), test users $users, users made train-only 0, users dropped 0" >expect &&
	grep "^cold:" err >actual &&
	test_cmp expect actual
'

test_expect_success 'every reader takes the cold record' '
	tt-batch <cold.tts >batches.tts &&
	tt-dump batches.tts >/dev/null &&
	tt-eval --baseline pop cold.tts >/dev/null
'

test_expect_success 'bad --cold-items and --seed: exit 2, nothing written' '
	for f in 0 1 1.5 -0.1 abc ""; do
		{ ml-prep --cold-items "$f" -o out.tts ratings.dat 2>err; test $? = 2; } &&
		test_grep "^ml-prep: --cold-items: " err || return 1
	done &&
	{ ml-prep --seed 3 -o out.tts ratings.dat 2>err; test $? = 2; } &&
	test_grep "^ml-prep: --seed needs --cold-items\$" err &&
	{ ml-prep --cold-items 0.1 --split none -o out.tts ratings.dat 2>err; test $? = 2; } &&
	test_grep "^ml-prep: --cold-items needs --split loo\$" err &&
	{ ml-prep --cold-items 0.1 --seed -1 -o out.tts ratings.dat 2>err; test $? = 2; } &&
	test ! -e out.tts
'

test_expect_success 'a fraction that makes no item cold, or every one: exit 1' '
	test_must_fail ml-prep --cold-items 0.0001 -o out.tts ratings.dat 2>err &&
	test_grep "^ml-prep: a cold fraction of 0.0001 makes 0 of the 1000 items cold; 1 to 999 are needed\$" err &&
	printf "1 1\n1 2\n" >two.txt &&
	test_must_fail ml-prep --cold-items 0.9 -o out.tts two.txt 2>err &&
	test_grep "makes 2 of the 2 items cold; 1 to 1 are needed\$" err &&
	test ! -e out.tts
'

test_done
