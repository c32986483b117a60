#!/bin/sh
test_description='options that the others would leave without effect are refused, not dropped; a side file with an id twice; a bad token named by its start'
. "$(dirname "$0")/test-lib.sh"

test_pipeline --to model || exit 1

# usage_is PATTERN COMMAND...: exit 2, the one-line reason, nothing written
usage_is() {
	pattern=$1
	shift
	"$@" >out 2>err
	code=$?
	test $code = 2 || { echo "exit $code, not 2: $*" >&2; return 1; }
	test ! -s out || { echo "wrote output: $*" >&2; return 1; }
	test_grep "$pattern" err
}

test_expect_success 'the seed has no blocks, dropout, slot embeddings, item-MLP or relative-position switch' '
	usage_is "^tt-fit: --dropout is for --arch tt; the seed has no such part$" \
		tt-fit --arch seed --dropout 0.3 --max-steps 1 prep.tts &&
	usage_is "^tt-fit: --blocks is for --arch tt" tt-fit --arch seed --blocks 3 prep.tts &&
	usage_is "^tt-fit: --no-positions is for --arch tt" tt-fit --arch seed --no-positions prep.tts &&
	usage_is "^tt-fit: --item-mlp is for --arch tt" tt-fit --arch seed --item-mlp prep.tts &&
	usage_is "^tt-fit: --rel-pos is for --arch tt" tt-fit --arch seed --rel-pos prep.tts
'

test_expect_success 'negatives for a loss that draws none' '
	usage_is "^tt-fit: --negatives is for --loss sampled; softmax draws none$" \
		tt-fit --loss softmax -n 500 prep.tts &&
	usage_is "^tt-fit: --loss: .bce. is not softmax or sampled$" tt-fit --loss bce prep.tts &&
	usage_is "^tt-fit: --loss: .inbatch. is not softmax or sampled$" tt-fit --loss inbatch prep.tts
'

test_expect_success 'the default loss over a catalogue within -n says it draws none' '
	tt-fit $TINY --max-steps 1 -n 3000 prep.tts 2>err >m.bin &&
	test_grep "^tt-fit: 150 items, no more than 6000 \(twice the negatives\): the full softmax over all of them, no negatives drawn$" err
'

test_expect_success '--init with a size that is not the model.s: refused; the same size: trains' '
	usage_is "^tt-fit: --dim 32 contradicts the model of --init model.bin \(8\)" \
		tt-fit --init model.bin --dim 32 --max-steps 1 prep.tts &&
	usage_is "^tt-fit: --history 20 contradicts the model of --init model.bin \(10\)" \
		tt-fit --init model.bin --history 20 --max-steps 1 prep.tts &&
	usage_is "^tt-fit: --arch seed contradicts the model of --init model.bin \(tt\)" \
		tt-fit --init model.bin --arch seed --max-steps 1 prep.tts &&
	usage_is "^tt-fit: --rel-pos 1 contradicts the model of --init model.bin \(0\)" \
		tt-fit --init model.bin --rel-pos --max-steps 1 prep.tts &&
	tt-fit --init model.bin --dim 8 --blocks 1 --threads 1 --max-steps 1 prep.tts >again.bin &&
	tt-dump again.bin >dump && test_grep "^ *dim=8$" dump
'

test_expect_success 'tt-embed --at without --users' '
	usage_is "^tt-embed: --at picks the users. history, only with --users$" \
		tt-embed --at valid model.bin &&
	tt-embed --users --at valid model.bin prep.tts >users.tts
'

test_expect_success 'a side file that gives an id twice: refused at the second line' '
	{ head -3 movies.dat && sed -n 2p movies.dat; } >dupmovies.dat &&
	id=$(sed -n "2s/::.*//p" movies.dat) &&
	test_must_fail ml-prep --items dupmovies.dat r.txt >out 2>err &&
	test_grep "^ml-prep: dupmovies.dat:4: movie id $id again \(first on line 2\)$" err &&
	test ! -s out &&
	printf "1::F::1::10::48067\n2::M::56::16::70072\n1::M::25::15::55117\n" >dupusers.dat &&
	test_must_fail ml-prep --users dupusers.dat r.txt >out 2>err &&
	test_grep "^ml-prep: dupusers.dat:3: user id 1 again \(first on line 1\)$" err &&
	test_must_fail tt-embed --items dupmovies.dat model.bin >out 2>err &&
	test_grep "dupmovies.dat:4: movie id $id again" err
'

test_expect_success 'tt-rec names a bad token by its start, not its whole line' '
	awk "BEGIN { while (i++ < 100000) printf \"x\"; print \"\" }" >long.txt &&
	test_must_fail tt-rec model.bin <long.txt >out 2>err &&
	! test -s err && test $(wc -c <out) -lt 400 &&
	test_grep "^1	left-out	x{255}\.\.\.	not an item id$" out
'

test_done
