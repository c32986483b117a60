#!/bin/sh
test_description='tt-eval --cold and the genre and random baselines'
. "$(dirname "$0")/test-lib.sh"

command -v python3 >/dev/null && command -v zstd >/dev/null && test_set_prereq PYTHON

ml-synth -u 1000 -i 1000 -r 25000 --movies movies.dat -o ratings.dat &&
ml-prep --items movies.dat --cold-items 0.1 ratings.dat >cold.tts &&
ml-prep --items movies.dat ratings.dat >plain.tts &&
for r in user_ids items test cold; do
	tt-dump --tsv $r cold.tts >$r.tsv || exit 1
done &&
# the users whose test item is cold, by index
awk 'FILENAME == "items.tsv" { it[z++] = $1; next }
	FILENAME == "cold.tsv" { c[n++] = $1; next }
	{ if ($1 >= 0 && c[it[$1]]) print FNR - 1 }' items.tsv cold.tsv test.tsv >cold-users ||
exit 1

# A recs stream of lists of 10 over the cold items, written by tts.py
# (tt-stream(5)): a cold user of even index gets its test item first, one
# of odd index a list without it; everyone else the first 10 cold items.
# With "warm" as $1, user index 3's list starts with item index 0 instead.
write_recs() {
	python3 - "$1" <<-'EOF' | zstd -q -c
	import sys, tts
	read = lambda f: [int(l.split()[0]) for l in open(f)]
	ids, items, test, cold = (read(f + ".tsv") for f in ("user_ids", "items", "test", "cold"))
	cold_items = [i for i, c in enumerate(cold) if c]
	out = sys.stdout.buffer
	def record(name, dtype, dims, values):
	    out.write(tts.record(name, dtype, dims, tts.pack(dtype, values)))
	out.write(tts.text_record("meta", "kind=recs\nk=10\nat=test\n"))
	lists = []
	for u in range(len(ids)):
	    t = items[test[u]] if test[u] >= 0 else -1
	    rest = [i for i in cold_items if i != t]
	    if t >= 0 and cold[t]:
	        lists.append(([t] if u % 2 == 0 else []) + rest[:10 - (u % 2 == 0)])
	    else:
	        lists.append(cold_items[:10])
	if sys.argv[1] == "warm":
	    lists[3] = [0] + lists[3][:9]
	B = len(ids)
	record("users", tts.I32, [B], list(range(B)))
	record("user_ids", tts.I64, [B], ids)
	record("items", tts.I32, [B, 10], [i for l in lists for i in l])
	record("scores", tts.F32, [B, 10], [10.0 - r for l in lists for r in range(10)])
	out.write(tts.end())
	EOF
}

test_expect_success PYTHON '--cold scores exactly the users whose test item is cold' '
	write_recs cold >recs.tts &&
	n=$(wc -l <cold-users) &&
	test "$n" -gt 50 &&
	tt-eval --cold --k 1,10 cold.tts recs.tts >table &&
	test_grep "^recs \\(test split, cold items, $n users\\)\$" table &&
	even=$(awk "\$1 % 2 == 0" cold-users | wc -l) &&
	tt-eval --cold --tsv --k 1,10 cold.tts recs.tts >tsv &&
	awk -v e=$even -v n=$n "BEGIN { printf \"hr\\t1\\t%.6f\\nhr\\t10\\t%.6f\\n\", e / n, e / n }" >expect &&
	grep "^hr" tsv >actual &&
	test_cmp expect actual
'

test_expect_success PYTHON 'coverage with --cold: items in the cold users. lists over the cold items' '
	tt-eval --cold --tsv --k 10 cold.tts recs.tts >tsv &&
	awk "FILENAME == \"items.tsv\" { it[z++] = \$1; next }
		FILENAME == \"test.tsv\" { t[u++] = it[\$1]; next }
		FILENAME == \"cold.tsv\" { if (\$1) ci[C++] = FNR - 1; next }
		{	even = \$1 % 2 == 0
			if (even) seen[t[\$1]] = 1
			for (j = k = 0; k < 10 - even; j++)
				if (ci[j] != t[\$1]) { seen[ci[j]] = 1; k++ }
		}
		END { for (i in seen) n++; printf \"coverage\\t10\\t%.6f\\n\", n / C }" \
		items.tsv test.tsv cold.tsv cold-users >expect &&
	grep "^coverage" tsv >actual &&
	test_cmp expect actual
'

test_expect_success PYTHON 'without --cold, every user with a test item counts, cold or not' '
	tt-eval --k 10 cold.tts recs.tts >table &&
	test_grep "^recs \\(test split, 1000 users\\)\$" table
'

test_expect_success PYTHON '--cold refuses a list that names a warm item' '
	write_recs warm >warm.tts &&
	id=$(sed -n 4p user_ids.tsv) &&
	item=$(tt-dump --tsv item_ids cold.tts | sed -n 1p) &&
	test_must_fail tt-eval --cold --k 10 cold.tts warm.tts >out 2>err &&
	test_grep "^tt-eval: warm.tts: user $id.s list has item $item, which is not cold; --cold needs lists ranked over the cold items only\$" err &&
	tt-eval --k 10 cold.tts warm.tts >/dev/null
'

test_expect_success 'the genre baseline beats random on the cold items by far' '
	tt-eval --cold --baseline genre --baseline random --tsv --k 10 cold.tts >tsv &&
	n=$(wc -l <cold-users) &&
	tt-eval --cold --baseline genre --k 10 cold.tts >table &&
	test_grep "^genre \\(test split, cold items, $n users\\)\$" table &&
	awk "\$2 == 10 { v[\$1] = \$3 }
		END { print v[\"genre.hr\"], v[\"random.hr\"], v[\"genre.ndcg\"], v[\"random.ndcg\"]
			exit !(v[\"genre.hr\"] > 2 * v[\"random.hr\"] &&
				v[\"genre.ndcg\"] > 2 * v[\"random.ndcg\"] && v[\"genre.hr\"] > 0.3) }" tsv
'

test_expect_success 'random: the same seed, the same lists; another, others' '
	tt-eval --cold --baseline random --seed 7 --tsv --k 1,5,10,20 cold.tts >a &&
	tt-eval --cold --baseline random --seed 7 --tsv --k 1,5,10,20 cold.tts >b &&
	test_cmp a b &&
	tt-eval --cold --baseline random --seed 8 --tsv --k 1,5,10,20 cold.tts >c &&
	! cmp -s a c
'

test_expect_success 'genre, by hand: cosine with the history, seen items excluded' '
	cat >m.dat <<-EOF &&
	1::A (2000)::Comedy
	2::B (2000)::Comedy|Drama
	3::C (2000)::Drama
	4::D (2000)::Horror
	5::E (2000)::Comedy|Horror
	EOF
	printf "1 1\n1 2\n1 3\n1 4\n2 5\n" >h.txt &&
	ml-prep --items m.dat h.txt >h.tts &&
	tt-eval --baseline genre --tsv --k 1,2 h.tts >tsv &&
	grep -E "^genre.(hr|ndcg)" tsv >actual &&
	cat >expect <<-EOF &&
	genre.hr	1	0.000000
	genre.hr	2	1.000000
	genre.ndcg	1	0.000000
	genre.ndcg	2	0.630930
	EOF
	test_cmp expect actual
'

test_expect_success 'errors' '
	test_must_fail tt-eval --cold --baseline genre plain.tts 2>err &&
	test_grep "^tt-eval: plain.tts: no cold items \\(ml-prep --cold-items makes them\\)\$" err &&
	{ tt-eval --cold --split valid --baseline genre cold.tts 2>err; test $? = 2; } &&
	test_grep "^tt-eval: --cold scores test targets: a cold item is never a validation target\$" err &&
	{ tt-eval --cold --baseline pop cold.tts 2>err; test $? = 2; } &&
	test_grep "^tt-eval: --baseline pop with --cold" err &&
	{ tt-eval --seed 2 --baseline pop cold.tts 2>err; test $? = 2; } &&
	test_grep "^tt-eval: --seed needs --baseline genre or random\$" err &&
	ml-prep ratings.dat >bare.tts &&
	test_must_fail tt-eval --baseline genre bare.tts 2>err &&
	test_grep "^tt-eval: bare.tts: no genres for --baseline genre \\(ml-prep --items adds them\\)\$" err
'

test_expect_success ML1M 'ML-1M, 10% cold, seeds 1 to 3: genre beats random' '
	for s in 1 2 3; do
		ml-prep --items "$ML1M/movies.dat" --users "$ML1M/users.dat" \
			--item-map "$ML1M/sas-item-to-movie-id.txt" \
			--user-map "$ML1M/sas-user-to-user-id.txt" \
			--cold-items 0.1 --seed $s "$ML1M/ml-1m.txt" >ml.tts &&
		tt-eval --cold --baseline genre --baseline random --tsv --k 10 ml.tts >>all || return 1
	done &&
	awk "\$2 == 10 { v[\$1] += \$3 / 3 }
		END { printf \"genre HR@10 %.4f NDCG@10 %.4f, random %.4f %.4f\\n\",
			v[\"genre.hr\"], v[\"genre.ndcg\"], v[\"random.hr\"], v[\"random.ndcg\"]
			exit !(v[\"genre.hr\"] > 1.5 * v[\"random.hr\"] &&
				v[\"genre.ndcg\"] > 1.5 * v[\"random.ndcg\"]) }" all
'

test_done
