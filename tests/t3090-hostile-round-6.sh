#!/bin/sh
test_description='hostile round 6: --init of a seed model trains by its recipe, a batch stream'"'"'s epochs and batch not overridden, the batch default said once, ids beginning with #, the pace of a run that cannot stop early'
. "$(dirname "$0")/test-lib.sh"

test_pipeline --plain --to prep || exit 1

# ---- --init of a seed model ----

test_expect_success 'tt-fit --init of a seed model without --arch: the seed'"'"'s recipe, as with --arch seed' '
	tt-fit --arch seed --dim 8 --hidden 8 --history 10 --threads 1 --max-steps 5 -o seed.bin prep.tts 2>/dev/null &&
	tt-fit --threads 1 --max-steps 5 --init seed.bin -o auto.bin prep.tts 2>err &&
	! grep "defaults" err &&
	tt-dump auto.bin >dump &&
	test_grep "^ *batch=16$" dump && test_grep "^ *lr=0.001$" dump && test_grep "^ *epochs=8$" dump &&
	test_grep "^ *weight_decay=0$" dump &&
	tt-fit --arch seed --threads 1 --max-steps 5 --init seed.bin -o named.bin prep.tts 2>/dev/null &&
	cmp auto.bin named.bin &&
	test_must_fail tt-fit --arch tt --threads 1 --max-steps 5 --init seed.bin -o tt.bin prep.tts 2>err &&
	test_grep "^tt-fit: --arch tt contradicts the model of --init seed.bin \(seed\)" err
'

# ---- tt-batch's batch rows ----

test_expect_success 'tt-batch --help says the batch rows it uses, not a seed architecture it has not' '
	tt-batch --help >help &&
	test_grep "^  -b, --batch B +rows per batch \(32, as tt-fit.s default architecture\)$" help &&
	! grep seed.architecture help &&
	tt-batch -o b.tts prep.tts &&
	tt-dump b.tts | grep "^ *batch=32$"
'

# ---- a batch stream's own settings ----

test_expect_success 'tt-fit on a batch stream: --epochs or --batch other than the stream'"'"'s a usage error, not replaced silently' '
	tt-batch --history 10 --batch 16 --epochs 2 -o b2.tts prep.tts &&
	{ tt-fit $TINY --epochs 3 -o e.bin b2.tts 2>err; test $? = 2; } &&
	test_grep "^tt-fit: --epochs 3: the batch stream holds 2 epochs \(tt-batch --epochs\)$" err &&
	! test -e e.bin &&
	{ tt-fit --dim 8 --hidden 8 --blocks 1 --threads 1 --batch 32 -o e.bin b2.tts 2>err; test $? = 2; } &&
	test_grep "^tt-fit: --batch 32: the batch stream.s batches have 16 rows \(tt-batch --batch\)$" err &&
	! test -e e.bin &&
	tt-fit $TINY --epochs 2 -o given.bin b2.tts 2>/dev/null &&
	tt-fit --dim 8 --hidden 8 --blocks 1 --threads 1 -o own.bin b2.tts 2>/dev/null &&
	cmp given.bin own.bin
'

# ---- ids beginning with '#' ----

test_expect_success 'a string id beginning with # (a comment in --exclude and --similar lists): refused, naming file and line' '
	ml-synth -u 100 -i 60 -r 2000 --format shop -o shop.csv &&
	sed "3s/,sku-[0-9]*,/,#A100,/" shop.csv >hash.csv &&
	test_must_fail ml-prep --user-col customer --item-col sku --time-col event_time -o h.tts hash.csv 2>err &&
	test_grep "^ml-prep: hash.csv:3: item id .#A100. begins with .#., which starts a comment in lists of ids$" err &&
	! test -e h.tts &&
	sed "3s/,c_[0-9]*,/,#c1,/" shop.csv >uhash.csv &&
	test_must_fail ml-prep --user-col customer --item-col sku --time-col event_time -o h.tts uhash.csv 2>err &&
	test_grep "^ml-prep: uhash.csv:3: user id .#c1. begins with .#." err &&
	sed "3s/,sku-[0-9]*,/,A#100,/" shop.csv >inside.csv &&
	ml-prep --user-col customer --item-col sku --time-col event_time -o in.tts inside.csv &&
	tt-dump --tsv item_names in.tts | grep -x "A#100"
'

# ---- the pace of a run ----

test_expect_success 'the epoch lines of a run nothing can stop early say the time left without "at most"' '
	tt-fit $TINY --valid --patience 0 --epochs 3 -o p0.bin prep.tts 2>err &&
	test $(grep -c "^tt-fit: epoch [123]/3 .* to go)$" err) = 3 &&
	! grep "at most" err &&
	tt-fit $TINY --valid --patience 2 --epochs 3 -o p2.bin prep.tts 2>err &&
	test $(grep -c "^tt-fit: epoch [12]/3 .*, at most [0-9hms]* to go)$" err) = 2 &&
	test_grep "^tt-fit: epoch 3/3 .*s in, [0-9hms]* to go\)$" err
'

test_expect_success 'tt-fit --init of an id-only model on data with item features says the features go unused' '
	ml-synth -u 200 -i 150 -r 5000 --movies movies.dat -o feat.dat &&
	ml-prep feat.dat >bare.tts &&
	ml-prep --items movies.dat feat.dat >feat.tts &&
	tt-fit -d 8 --epochs 1 bare.tts >ids.bin 2>/dev/null &&
	tt-fit -d 8 --epochs 1 --init ids.bin feat.tts >warm.bin 2>err &&
	test_grep "^tt-fit: ids.bin has no item features: the data.s item side data is not used" err &&
	tt-fit -d 8 --epochs 1 --init ids.bin bare.tts >warm2.bin 2>err2 &&
	! grep "no item features" err2
'

test_done
