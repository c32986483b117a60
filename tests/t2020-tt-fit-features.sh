#!/bin/sh
test_description='item features: genres, years and title words in the item tower; new items from a movies file'
. "$(dirname "$0")/test-lib.sh"

SMALL="--dim 16 --hidden 32 --history 20 --blocks 1 --batch 16"

test_expect_success 'setup: ratings with movies, items 1-20 held out of the training data' '
	ml-synth --users 300 --items 200 --ratings 12000 --seed 5 --movies movies.dat >ratings.dat &&
	awk -F:: "\$2 > 20" ratings.dat >warm.dat &&
	awk -F:: "\$2 <= 20 { print \$1, \$2 }" ratings.dat | sort -u >held &&
	test $(wc -l <held) -gt 500 &&
	ml-prep --items movies.dat warm.dat >warm.tts &&
	ml-prep warm.dat >plain.tts
'

test_expect_success 'with side data, tt-fit uses the features and says so' '
	tt-fit $SMALL --epochs 5 warm.tts >model.bin 2>err &&
	test_grep "item features: 18 genres, years in 28 buckets, title words in 4096 buckets; id dropout 0.15" err &&
	tt-dump model.bin >dump &&
	test_grep "^genre_emb  *f32  *.18,16." dump &&
	test_grep "^year_emb  *f32  *.28,16." dump &&
	test_grep "^word_emb  *f32  *.4096,16." dump &&
	test_grep "^item_seen  *u8  *.180." dump &&
	test_grep "title_seed=" dump
'

test_expect_success '--no-features and a prep without side data: ids only' '
	tt-fit $SMALL --epochs 1 --no-features warm.tts >ids.bin 2>err &&
	! grep -q "item features" err &&
	tt-fit $SMALL --epochs 1 plain.tts >plain.bin 2>err &&
	! grep -q "item features" err &&
	for m in ids.bin plain.bin; do
		tt-dump $m >dump &&
		! grep -q "_emb.*(4096" dump &&
		! grep -q "^genres" dump &&
		! grep -q "title_buckets=" dump || return 1
	done
'

test_expect_success 'the model stream round trip: --init reads what tt-fit wrote' '
	tt-embed model.bin >items1.tts &&
	tt-fit $SMALL --epochs 1 --lr 0 --init model.bin warm.tts >again.bin 2>err &&
	tt-embed again.bin >items2.tts &&
	tt-dump --tsv vectors items1.tts >v1 &&
	tt-dump --tsv vectors items2.tts >v2 &&
	test_cmp v1 v2
'

test_expect_success 'tt-embed --items: new items by their original ids, with titles' '
	tt-embed --items movies.dat model.bin >items.tts 2>err &&
	test_grep "movies.dat: 20 new items, 180 the model knows" err &&
	tt-dump --tsv ids items.tts >ids &&
	test $(wc -l <ids) = 200 &&
	tail -20 ids | sort -n >new_ids &&
	seq 1 20 >want &&
	test_cmp want new_ids &&
	tt-dump --tsv titles items.tts | tail -20 | grep -c "^Synthetic Movie" >n &&
	echo 20 >want &&
	test_cmp want n
'

# Each held-out (user, item) pair: the item's rank among the 20 new items
# by the user's score; by chance the mean is 10.5.
test_expect_success 'new items from features alone rank above chance for the users who chose them' '
	tt-embed --users model.bin warm.tts >users.tts &&
	awk -F:: "\$1 > 20 { print \$1 }" movies.dat >warm_items &&
	tt-topk -k 20 --exclude warm_items items.tts users.tts >top.tsv &&
	awk "NR == FNR { rank[\$1 \" \" \$3] = \$2; next }
		(\$1 \" \" \$2) in rank { s += rank[\$1 \" \" \$2]; n++ }
		END { printf \"%d %.2f\n\", n, s / n; exit !(n > 500 && s / n < 9.5) }" top.tsv held
'

test_expect_success 'a model without features cannot place new items' '
	test_must_fail tt-embed --items movies.dat ids.bin >out 2>err &&
	test_grep "no item features" err
'

test_expect_success 'bad input: a movies file that is not one, --items with --users' '
	printf "not a movie line\n" >bad.dat &&
	test_must_fail tt-embed --items bad.dat model.bin >out 2>err &&
	test_grep "bad.dat" err &&
	test_must_fail tt-embed --items movies.dat --users model.bin warm.tts >out 2>err &&
	test_grep "not with --users" err
'

test_done
