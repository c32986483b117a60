#!/bin/sh
test_description='feature columns of a catalogue and a users file of any shape in both towers: trained, carried in the model by name, new items placed by them, values the model lacks left out and said once'
. "$(dirname "$0")/test-lib.sh"

ml-synth -u 60 -i 80 -r 1800 -s 4 --movies movies.dat --users-out users.dat >r.dat || exit 1
# sku,name,brand,tags,price from movies.dat; customers from users.dat
awk -F'::' 'BEGIN { print "sku,name,brand,tags,price" }
	{ printf "%s,\"%s\",b%d,%s,%d\n", $1, $2, $1 % 5, $3, ($1 * 37) % 100 }' movies.dat >cat.csv || exit 1
awk -F'::' 'BEGIN { print "uid\tgender\tage\tlikes" }
	{ printf "%s\t%s\t%s\t%s\n", $1, $2, $3, ($1 % 2 ? "jazz,rock" : "rock") }' users.dat >users.tsv || exit 1
SIDE="--items cat.csv --item-id sku --item-title name --item-feature brand
	--item-feature tags:multi --item-feature price:num=4
	--users users.tsv --user-sep tab --user-id uid --user-feature gender
	--user-feature age:num=3 --user-feature likes:multi=,"
ml-prep $SIDE r.dat >p.tts || exit 1
vectors() { tt-dump --tsv vectors "$1" | sed -n "$2p"; }

test_expect_success 'tt-fit takes the columns in both towers and keeps their vocabulary' '
	tt-fit $TINY --max-steps 20 p.tts >m.bin 2>err &&
	test_grep "item features: 3 catalogue columns, [0-9]+ values" err &&
	test_grep "user features: 3 columns of the users file, [0-9]+ values" err &&
	tt-dump m.bin >d && test_grep "^column_emb +f32 +\([0-9]+,8\)" d &&
	test_grep "^user_feat_emb +f32 +\([0-9]+,8\)" d &&
	test_grep "^item_vocab " d && test_grep "^user_vocab " d &&
	tt-dump --tsv item_vocab m.bin >actual && tt-dump --tsv item_vocab p.tts >expect &&
	test_cmp expect actual
'

test_expect_success 'new items: two that differ only in a column get different vectors, two alike the same' '
	tt-fit $TINY --max-steps 20 p.tts >m.bin 2>/dev/null &&
	printf "sku,name,brand,tags,price\n9001,A,b1,Action,10\n9002,A,b2,Action,10\n9003,A,b1,Action,10\n" >new.csv &&
	tt-embed --items new.csv --item-id sku --item-title name m.bin >e.tts 2>err &&
	test_grep "3 new items, 0 the model knows" err &&
	test "$(vectors e.tts 81)" != "$(vectors e.tts 82)" &&
	test "$(vectors e.tts 81)" = "$(vectors e.tts 83)" &&
	tt-dump --tsv ids e.tts | tail -3 >actual && printf "9001\n9002\n9003\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a value the model lacks is left out and said once; the item placed by the rest' '
	printf "sku,brand,tags,price\n9001,b1,Action,10\n9004,b1,Action|Nope,10\n9005,b9,Nope,10\n" >odd.csv &&
	tt-embed --items odd.csv --item-id sku m.bin >o.tts 2>err &&
	test "$(grep -c "not one the model knows" err)" = 1 &&
	test_grep "odd.csv: brand .b9. is not one the model knows: left out" err &&
	test "$(vectors o.tts 81)" = "$(vectors o.tts 82)"
'

test_expect_success 'a numeric column of new items is bucketed at the model'"'"'s cuts' '
	tt-dump --tsv item_vocab m.bin | grep "^\[" | head -1 | sed "s/^\[\([^,]*\),.*/\1/" >cut &&
	c=$(cat cut) &&
	printf "sku,brand,tags,price\n9001,b1,Action,%s\n9002,b1,Action,%s.5\n" "$c" "$c" >num.csv &&
	tt-embed --items num.csv --item-id sku m.bin >n.tts 2>err &&
	test "$(vectors n.tts 81)" = "$(vectors n.tts 82)" && ! grep -q "not one" err
'

test_expect_success 'tt-embed --items of any shape: errors of the file, options that need one another' '
	printf "sku,brand\n1,b1,x\n" >bad.csv &&
	test_must_fail tt-embed --items bad.csv --item-id sku m.bin >out 2>err &&
	test_grep "bad.csv:1: no column .tags. in the header" err && ! test -s out &&
	test_must_fail tt-embed --item-id sku m.bin 2>err && test_grep "describe --items" err
'

test_expect_success 'user vectors from the columns: a users file the model lacks a value of, said once' '
	sed "2s/jazz,rock/jazz,polka/; 3s/rock/polka/" users.tsv >users2.tsv &&
	ml-prep --users users2.tsv --user-sep tab --user-id uid --user-feature gender \
		--user-feature age:num=3 --user-feature likes:multi=, r.dat >p2.tts &&
	tt-embed --users m.bin p2.tts >u2.tts 2>err &&
	test "$(grep -c "not one the model knows" err)" = 1 &&
	test_grep "likes .polka. is not one the model knows" err &&
	tt-embed --users m.bin p.tts >u.tts &&
	test "$(vectors u.tts 3)" = "$(vectors u2.tts 3)" &&
	test "$(vectors u.tts 1)" != "$(vectors u2.tts 1)"
'

test_expect_success '--init on a grown catalogue: rows carried by value name, a new brand fresh' '
	sed "s/,b3,/,b7,/" cat.csv >cat2.csv &&
	ml-prep --items cat2.csv --item-id sku --item-title name --item-feature brand \
		--item-feature tags:multi --item-feature price:num=4 --users users.tsv --user-sep tab \
		--user-id uid --user-feature gender --user-feature age:num=3 \
		--user-feature likes:multi=, r.dat >p3.tts &&
	tt-fit $TINY --max-steps 1 --init m.bin p3.tts >m3.bin 2>err &&
	tt-dump --tsv item_vocab m3.bin >v3 && test_grep "^b7$" v3 && ! grep -q "^b3$" v3
'

test_done
