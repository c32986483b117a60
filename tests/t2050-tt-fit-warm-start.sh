#!/bin/sh
test_description='tt-fit --init: a model carried to new data by original id, never by position: grown, shrunk and renumbered catalogues, other data refused'
. "$(dirname "$0")/test-lib.sh"

ml-synth --users 150 --items 80 --ratings 6000 --seed 7 >r.dat &&
ml-prep r.dat >old.tts &&
SMALL="--dim 8 --hidden 8 --history 10 --blocks 1 --batch 16 --threads 1" &&
tt-fit $SMALL --epochs 2 old.tts >old.bin 2>/dev/null || exit 1

# The new data: two new users who alone rate the new items 0 and 1000
# (id 0 sorts before every other, so every old item's row number moves),
# and item 5 gone.
{
	for t in 1 2 3 4 5 6; do
		echo "9001::0::4::$t"
		echo "9002::1000::4::$t"
		echo "9001::1000::3::1$t"
	done
	grep -v "^[0-9]*::5::" r.dat
} >new.dat &&
ml-prep new.dat >new.tts || exit 1

# rows NAME MODEL: "id<TAB>values" of a (N,E) table by the model's item ids
rows() {
	tt-dump --tsv item_ids "$2" >ids.$$ &&
	tt-dump --tsv "$1" "$2" | paste ids.$$ - | sort >"$3" &&
	rm -f ids.$$
}

test_expect_success 'a grown and renumbered catalogue: each item keeps its row by id' '
	tt-fit $SMALL --epochs 1 --lr 0 --weight-decay 0 --init old.bin new.tts >new.bin 2>err &&
	test_grep "^tt-fit: old.bin: by id, 79 items carried, 2 new, 1 gone$" err &&
	rows item_emb old.bin old.rows &&
	rows item_emb new.bin new.rows &&
	grep -v "^5	" old.rows >kept.rows &&
	grep -v -e "^0	" -e "^1000	" new.rows >carried.rows &&
	test $(wc -l <kept.rows) = 79 &&
	test_cmp kept.rows carried.rows &&
	tt-dump new.bin | test_grep "^    items=81$" -
'

test_expect_success 'the new data trains on from the carried model' '
	tt-fit $SMALL --epochs 1 --init old.bin -o warm.bin new.tts 2>/dev/null &&
	tt-embed warm.bin >items.tts &&
	tt-embed --users warm.bin new.tts >users.tts &&
	tt-topk -k 5 items.tts users.tts >recs.txt &&
	test $(wc -l <recs.txt) -gt 0
'

test_expect_success 'the same data: every weight where it was' '
	tt-fit $SMALL --epochs 1 --lr 0 --weight-decay 0 --init old.bin old.tts >same.bin 2>err &&
	test_grep "^tt-fit: old.bin: by id, 80 items carried, 0 new, 0 gone$" err &&
	for w in item_emb block0.wq block0.ff1_w lnf_g; do
		tt-dump --tsv $w old.bin >a.tsv && tt-dump --tsv $w same.bin >b.tsv &&
		test_cmp a.tsv b.tsv || return 1
	done
'

test_expect_success 'the seed architecture carries its user rows by id too' '
	SEED="--dim 8 --hidden 8 --history 10 --batch 16 --threads 1" &&
	tt-fit $SEED --arch seed --epochs 1 old.tts >seed.bin 2>/dev/null &&
	tt-fit $SEED --epochs 1 --lr 0 --weight-decay 0 --init seed.bin new.tts >seed2.bin 2>err &&
	test_grep "^tt-fit: seed.bin: by id, 150 users and 79 items carried, 2 and 2 new, 0 and 1 gone$" err &&
	tt-dump --tsv user_ids seed.bin >u1 && tt-dump --tsv user_emb seed.bin | paste u1 - | sort >old.users &&
	tt-dump --tsv user_ids seed2.bin >u2 && tt-dump --tsv user_emb seed2.bin | paste u2 - | sort >new.users &&
	grep -v -e "^9001	" -e "^9002	" new.users >carried.users &&
	test_cmp old.users carried.users
'

test_expect_success 'a model of other data (no item id in common) is refused, no model written' '
	awk -F"::" "{ print \$1 \"::\" \$2 + 5000 \"::\" \$3 \"::\" \$4 }" r.dat >shifted.dat &&
	ml-prep shifted.dat >shifted.tts &&
	test_must_fail tt-fit $SMALL --max-steps 1 --init old.bin -o x.bin shifted.tts 2>err &&
	test_grep "^tt-fit: old.bin: none of the model.s 80 items is in the data \(by original id\)" err &&
	! test -e x.bin
'

test_expect_success 'a batch stream carries no ids to map by: only the model.s own ids are taken' '
	tt-batch --history 10 --batch 16 old.tts >old.batches &&
	tt-fit --threads 1 --init old.bin old.batches >b.bin &&
	tt-batch --history 10 --batch 16 new.tts >new.batches &&
	test_must_fail tt-fit --threads 1 --init old.bin -o y.bin new.batches 2>err &&
	test_grep "^tt-fit: new.batches: the batch stream.s users and items are not the model.s of --init, id for id" err &&
	! test -e y.bin
'

test_done
