#!/bin/sh
test_description='the whole pipeline: prep, fit, embed, topk, eval'
. "$(dirname "$0")/test-lib.sh"

SMALL="--dim 16 --hidden 32 --history 20 --blocks 1 --batch 16"

test_expect_success 'generated data: from ratings.dat to recommendations with titles' '
	ml-synth --users 200 --items 150 --ratings 8000 --seed 5 --movies movies.dat >ratings.dat &&
	ml-prep --items movies.dat ratings.dat >ml.tts &&
	tt-fit $SMALL --epochs 3 <ml.tts >model.bin &&
	tt-embed model.bin >items.tts &&
	tt-embed --users model.bin <ml.tts >users.tts &&
	tt-topk -k 10 items.tts <users.tts >recs.tsv &&
	test $(wc -l <recs.tsv) = 2000 &&
	awk -F"\t" "NF != 5 || \$2 < 1 || \$2 > 10 { bad = 1 } END { exit bad }" recs.tsv &&
	head -1 recs.tsv | cut -f5 >title &&
	grep -qF "$(cat title)" movies.dat &&
	tt-topk -k 20 --format tts items.tts <users.tts | tt-eval ml.tts >eval.txt &&
	test_grep "^HR " eval.txt &&
	test_grep "^NDCG " eval.txt
'

test_expect_success 'recommendations exclude what the user has seen' '
	tt-dump --tsv user_ids ml.tts >uids &&
	u=$(head -1 uids) &&
	tt-embed --user $u model.bin ml.tts | tt-topk -k 150 items.tts | cut -f3 | sort >recommended &&
	tt-embed --user $u model.bin ml.tts | tt-dump --tsv seen >seen_idx &&
	tt-dump --tsv item_ids ml.tts >iids &&
	awk "NR == FNR { id[FNR - 1] = \$1; next } { print id[\$1] }" iids seen_idx | sort >seen &&
	comm -12 recommended seen >both &&
	! test -s both &&
	test $(($(wc -l <recommended) + $(wc -l <seen))) -le 150
'

test_expect_success 'tt-topk | head -3 ends quietly' '
	{ tt-topk -k 10 items.tts <users.tts; echo $? >code; } | head -3 >three &&
	test $(wc -l <three) = 3 &&
	test "$(cat code)" = 0
'

test_expect_success ML1M 'ML-1M benchmark file: real titles at the end of the pipeline' '
	ml-prep --items "$ML1M/movies.dat" --item-map "$ML1M/sas-item-to-movie-id.txt" \
		"$ML1M/ml-1m.txt" >real.tts &&
	tt-fit --epochs 1 --max-steps 5 --threads 2 real.tts >real.bin &&
	tt-embed real.bin >ritems.tts &&
	tt-embed --user 1,2 real.bin real.tts | tt-topk -k 5 ritems.tts >real.tsv &&
	test $(wc -l <real.tsv) = 10 &&
	cut -f5 real.tsv >titles &&
	iconv -f ISO-8859-1 -t UTF-8 "$ML1M/movies.dat" >movies.utf8 &&
	while read -r t; do
		grep -qF "::$t::" movies.utf8 || { echo "not a movie: $t"; return 1; }
	done <titles &&
	tt-dump --tsv titles real.tts | grep -qx "Toy Story (1995)"
'

test_done
