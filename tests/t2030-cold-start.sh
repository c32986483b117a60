#!/bin/sh
test_description='cold start end to end: tt-embed --cold, items streams of some items, tt-eval --cold and --warm'
. "$(dirname "$0")/test-lib.sh"

command -v python3 >/dev/null && test_set_prereq PYTHON

SMALL="--dim 16 --hidden 32 --history 20 --blocks 1"

test_expect_success 'setup: ratings with movies, a tenth of the items cold' '
	ml-synth -u 1000 -i 1000 -r 25000 --movies movies.dat -o ratings.dat &&
	ml-prep --items movies.dat --cold-items 0.1 ratings.dat >ml.tts &&
	ml-prep --items movies.dat ratings.dat >plain.tts &&
	tt-fit $SMALL --epochs 5 ml.tts >model.bin &&
	tt-fit $SMALL --epochs 5 --no-features ml.tts >ids.bin &&
	tt-embed --users model.bin ml.tts >users.tts
'

test_expect_success 'tt-embed --cold: the cold items only, under the data set.s indices' '
	tt-embed --cold model.bin ml.tts >cold.tts &&
	tt-dump --tsv cold ml.tts | awk "\$1 { print NR - 1 }" >want-index &&
	test $(wc -l <want-index) = 100 &&
	tt-dump --tsv index cold.tts >index &&
	test_cmp want-index index &&
	tt-dump --tsv item_ids ml.tts | awk "NR == FNR { c[\$1 + 1] = 1; next } c[FNR]" want-index - >want-ids &&
	tt-dump --tsv ids cold.tts >ids &&
	test_cmp want-ids ids &&
	tt-dump cold.tts >dump &&
	test_grep "^    count=100\$" dump &&
	tt-embed --cold model.bin <ml.tts >stdin.tts &&
	cmp cold.tts stdin.tts
'

# A cold item was never trained: the whole model's vector for it is its
# features alone too, the same numbers.
test_expect_success 'a features model.s cold vectors are those of the whole item stream' '
	tt-embed model.bin >all.tts &&
	tt-dump --tsv vectors all.tts | awk "NR == FNR { c[\$1 + 1] = 1; next } c[FNR]" want-index - >want &&
	tt-dump --tsv vectors cold.tts >got &&
	test_cmp want got
'

# The issue's command lines, on synthetic data.
test_expect_success 'the model ranks cold items far above random' '
	tt-topk -k 10 --format tts cold.tts users.tts | tt-eval --cold --tsv ml.tts >model.tsv &&
	tt-eval --cold --baseline genre --tsv ml.tts >genre.tsv &&
	test_grep "^genre.hr	10	" genre.tsv &&
	for s in 1 2 3; do
		tt-eval --cold --baseline random --seed $s --tsv --k 10 ml.tts || return 1
	done >random.tsv &&
	cat model.tsv random.tsv | awk "\$2 == 10 { v[\$1] += \$1 ~ /^random/ ? \$3 / 3 : \$3 }
		END { printf \"cold HR@10 %.4f NDCG@10 %.4f, random %.4f %.4f\\n\",
			v[\"hr\"], v[\"ndcg\"], v[\"random.hr\"], v[\"random.ndcg\"]
			exit !(v[\"hr\"] > 3 * v[\"random.hr\"] && v[\"ndcg\"] > 3 * v[\"random.ndcg\"]) }"
'

test_expect_success 'tt-topk over the cold stream: titles and ids in tsv, lists of cold items only' '
	tt-topk -k 10 cold.tts users.tts >recs.tsv &&
	test $(wc -l <recs.tsv) = 10000 &&
	cut -f3 recs.tsv | sort -un >rec-ids &&
	sort -n want-ids | comm -23 rec-ids - >not-cold &&
	test ! -s not-cold &&
	awk -F"\t" "{ split(\$5, w, \" \"); if (w[3] != \$3) { print; exit 1 } }" recs.tsv
'

# A stream of some of the items, in shuffled order, holding items users
# have seen: the search over it is the search over every item with the
# others excluded.  Scores may differ in the last digit (the products are
# summed in other tiles), so the lists are compared without them.
test_expect_success PYTHON 'a stream of some items searches as all items with the others excluded' '
	tt-embed model.bin >all.tts &&
	for r in ids index vectors titles; do tt-dump --tsv $r all.tts >all.$r || return 1; done &&
	python3 - <<-\EOF >some.tts.raw &&
	import sys, tts
	rows = [l.rstrip("\n") for l in open("all.ids")]
	vec = [l.split() for l in open("all.vectors")]
	titles = [l.rstrip("\n") for l in open("all.titles")]
	pick = [i for i in range(len(rows)) if i % 3 == 1][::-1]
	pick = pick[1::2] + pick[0::2]
	out = sys.stdout.buffer
	def record(name, dtype, dims, values):
	    out.write(tts.record(name, dtype, dims, tts.pack(dtype, values)))
	out.write(tts.text_record("meta", "kind=embeddings\nof=items\ndim=%d\ncount=%d\n"
	                          % (len(vec[0]), len(pick))))
	record("ids", tts.I64, [len(pick)], [int(rows[i]) for i in pick])
	record("index", tts.I32, [len(pick)], pick)
	record("vectors", tts.F32, [len(pick), len(vec[0])], [float(x) for i in pick for x in vec[i]])
	out.write(tts.text_record("titles", "".join(titles[i] + "\n" for i in pick)))
	out.write(tts.end())
	EOF
	zstd -q -c some.tts.raw >some.tts &&
	awk "NR % 3 != 2" all.ids >others &&
	tt-topk -k 20 some.tts users.tts | cut -f1-3,5 >some.tsv &&
	tt-topk -k 20 --exclude others all.tts users.tts | cut -f1-3,5 >want.tsv &&
	test_cmp want.tsv some.tsv &&
	tt-topk -k 20 --format tts some.tts users.tts | tt-dump --tsv items >some.items &&
	tt-topk -k 20 --format tts --exclude others all.tts users.tts | tt-dump --tsv items >want.items &&
	test_cmp want.items some.items &&
	tt-topk -k 20 --keep-seen some.tts users.tts | cut -f1-3,5 >kept.tsv &&
	! cmp -s kept.tsv some.tsv
'

test_expect_success PYTHON '--shard and --merge over a stream of some items' '
	tt-topk -k 20 --shard 0/2 --format tts some.tts users.tts >a.tts &&
	tt-topk -k 20 --shard 1/2 --format tts some.tts users.tts >b.tts &&
	tt-topk --merge some.tts a.tts b.tts | cut -f1-3,5 >merged.tsv &&
	test_cmp some.tsv merged.tsv &&
	tt-topk -k 20 --format tts all.tts users.tts >full.tts &&
	test_must_fail tt-topk --merge some.tts full.tts >out 2>err &&
	test_grep "^tt-topk: full.tts: item index [0-9]* is not one of the 333 items of some.tts\$" err
'

test_expect_success PYTHON 'an item index twice or negative is refused' '
	python3 - <<-\EOF &&
	import tts
	def stream(path, index):
	    with open(path, "wb") as out:
	        def record(name, dtype, dims, values):
	            out.write(tts.record(name, dtype, dims, tts.pack(dtype, values)))
	        out.write(tts.text_record("meta", "kind=embeddings\nof=items\ndim=16\ncount=3\n"))
	        record("ids", tts.I64, [3], [1, 2, 3])
	        record("index", tts.I32, [3], index)
	        record("vectors", tts.F32, [3, 16], [0.5] * 48)
	        out.write(tts.end())
	stream("twice.raw", [7, 2, 7])
	stream("negative.raw", [0, -4, 1])
	EOF
	zstd -q -c twice.raw >twice.tts &&
	zstd -q -c negative.raw >negative.tts &&
	test_must_fail tt-topk twice.tts users.tts >out 2>err &&
	test_grep "^tt-topk: twice.tts: record index: item index 7 twice\$" err &&
	test_must_fail tt-topk negative.tts users.tts >out 2>err &&
	test_grep "^tt-topk: negative.tts: record index: item 2 has index -4, outside 0..2147483647\$" err
'

test_expect_success 'the id-only model: its cold items are untrained rows, searched as they are' '
	tt-embed --users ids.bin ml.tts >ids-users.tts &&
	tt-embed ids.bin >ids-items.tts &&
	tt-dump --tsv ids ids-items.tts | awk "NR == FNR { c[\$1] = 1; next } !(\$1 in c)" want-ids - >warm-ids &&
	tt-topk -k 10 --format tts --exclude warm-ids ids-items.tts ids-users.tts |
		tt-eval --cold --tsv --k 10 ml.tts >ids.tsv &&
	test_grep "^hr	10	" ids.tsv
'

test_expect_success 'tt-eval --warm: the users whose test item is not cold' '
	tt-topk -k 10 --format tts all.tts users.tts >all-recs.tts &&
	tt-eval --warm --k 10 ml.tts all-recs.tts >warm &&
	tt-eval --k 10 ml.tts all-recs.tts >every &&
	n=$(sed -n "s/^recs (test split, \\([0-9]*\\) users)\$/\\1/p" every) &&
	w=$(sed -n "s/^recs (test split, warm users, \\([0-9]*\\) users)\$/\\1/p" warm) &&
	c=$(tt-eval --cold --baseline random --k 10 ml.tts | sed -n "s/^random (test split, cold items, \\([0-9]*\\) users)\$/\\1/p") &&
	test "$c" -gt 50 &&
	test $((w + c)) = "$n" &&
	tt-eval --warm --baseline pop --tsv --k 10 ml.tts >pop.tsv &&
	test_grep "^pop.hr	10	" pop.tsv
'

test_expect_success 'tt-eval --warm: HR over the warm users, by hand' '
	tt-eval --warm --tsv --k 10 ml.tts all-recs.tts | grep "^hr" >got &&
	tt-dump --tsv items all-recs.tts >lists &&
	for r in test items cold; do tt-dump --tsv $r ml.tts >ml.$r || return 1; done &&
	awk "FILENAME == \"ml.items\" { it[z++] = \$1; next }
		FILENAME == \"ml.cold\" { c[i++] = \$1; next }
		FILENAME == \"ml.test\" { t[u++] = \$1 >= 0 ? it[\$1] : -1; next }
		{ x = t[FNR - 1]; if (x < 0 || c[x]) next
		  n++; for (k = 1; k <= 10; k++) if (\$k == x) hit++ }
		END { printf \"hr\\t10\\t%.6f\\n\", hit / n }" ml.items ml.cold ml.test lists >want &&
	test_cmp want got
'

test_expect_success 'tt-eval --warm --split valid: the same users, on their validation items' '
	tt-embed --users --at valid model.bin ml.tts | tt-topk -k 10 --format tts all.tts >valid-recs.tts &&
	tt-eval --warm --split valid --k 10 ml.tts valid-recs.tts >warm-valid &&
	tt-dump --tsv valid ml.tts >ml.valid &&
	n=$(awk "FILENAME == \"ml.items\" { it[z++] = \$1; next }
		FILENAME == \"ml.cold\" { c[i++] = \$1; next }
		FILENAME == \"ml.test\" { cold[u++] = \$1 >= 0 && c[it[\$1]]; next }
		\$1 >= 0 && !cold[FNR - 1] { n++ } END { print n }" ml.items ml.cold ml.test ml.valid) &&
	test_grep "^recs \\(valid split, warm users, $n users\\)\$" warm-valid
'

# A feature value that fewer than five trained items have places no cold
# item (tt-fit(1), COLD START): cold items alike but for such words get one
# vector; a word of five trained items moves it.  The titles of three cold
# items of one genre and year: "Rare" (in four trained titles), "Unseen"
# (in none), "Drama" (in five); each also has its own number word.
test_expect_success 'cold items are placed by feature values five trained items share' '
	tt-dump --tsv cold ml.tts >is-cold &&
	tt-dump --tsv item_ids ml.tts | paste - is-cold | awk "\$2 { print \$1 }" >cold-ids &&
	head -3 cold-ids >cold3 &&
	awk -F"::" "{ n[\$2]++ } END { for (i in n) if (n[i] >= 20) print i }" ratings.dat |
		sort -n | awk "NR == FNR { c[\$1] = 1; next } !(\$1 in c)" cold-ids - | head -9 >warm9 &&
	test $(wc -l <warm9) = 9 &&
	awk -F"::" -v OFS="::" "
		FILENAME == \"cold3\" { cold[\$1] = ++nc; next }
		FILENAME == \"warm9\" { warm[\$1] = ++nw; next }
		\$1 in cold { w = cold[\$1] == 1 ? \"Rare\" : cold[\$1] == 2 ? \"Unseen\" : \"Drama\"
			\$2 = \"Synthetic Movie \" w \" \" \$1 \" (1990)\"; \$3 = \"Comedy\" }
		\$1 in warm { \$2 = \"Synthetic Movie \" (warm[\$1] <= 4 ? \"Rare\" : \"Drama\") \" \" \$1 \" (1990)\" }
		{ print }" cold3 warm9 movies.dat >movies-words.dat &&
	ml-prep --items movies-words.dat --cold-items 0.1 ratings.dat >words.tts &&
	tt-dump --tsv cold words.tts | cmp - is-cold &&
	tt-fit $SMALL --epochs 2 words.tts >words.bin &&
	tt-embed --cold words.bin words.tts >words-cold.tts &&
	tt-dump --tsv ids words-cold.tts >ids3 &&
	tt-dump --tsv vectors words-cold.tts | paste ids3 - |
		awk "NR == FNR { c[\$1] = NR; next } \$1 in c { v[c[\$1]] = \$0; sub(/^[^\t]*\t/, \"\", v[c[\$1]]) }
			END { exit !(v[1] == v[2] && v[1] != v[3]) }" cold3 -
'

test_expect_success 'errors' '
	test_must_fail tt-embed --cold model.bin plain.tts >out 2>err &&
	test_grep "^tt-embed: plain.tts: no cold items \\(ml-prep --cold-items makes them\\)\$" err &&
	test ! -s out &&
	ml-prep --cold-items 0.1 ratings.dat >bare.tts &&
	test_must_fail tt-embed --cold model.bin bare.tts >out 2>err &&
	test_grep "^tt-embed: bare.tts: no side data to place the cold items by \\(ml-prep --items adds it\\)\$" err &&
	test_must_fail tt-embed --cold ids.bin ml.tts >out 2>err &&
	test_grep "^tt-embed: ids.bin: the model has no item features" err &&
	{ tt-embed --cold --items movies.dat model.bin ml.tts >out 2>err; test $? = 2; } &&
	test_grep "^tt-embed: --cold is the prep.s cold items alone, not with --items\$" err &&
	{ tt-embed --cold --users model.bin ml.tts >out 2>err; test $? = 2; } &&
	test_grep "^tt-embed: --cold is the prep.s cold items alone, not with --users\$" err &&
	{ tt-embed --cold model.bin ml.tts extra >out 2>err; test $? = 2; } &&
	test_grep "too many files" err &&
	{ tt-eval --cold --warm ml.tts all-recs.tts 2>err; test $? = 2; } &&
	test_grep "^tt-eval: --cold and --warm score disjoint sets of users: one of them\$" err &&
	test_must_fail tt-eval --warm plain.tts all-recs.tts 2>err &&
	test_grep "^tt-eval: plain.tts: no cold items \\(ml-prep --cold-items makes them\\): every user is warm\$" err
'

test_done
