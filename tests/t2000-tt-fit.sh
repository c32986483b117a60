#!/bin/sh
test_description='tt-fit and tt-batch: training, determinism, batches, faults'
. "$(dirname "$0")/test-lib.sh"

# A small generated data set and a small model, so each fit takes a second.
ml-synth --users 300 --items 120 --ratings 12000 --seed 3 --format seq >ratings.txt &&
ml-prep ratings.txt >ml.tts || exit 1
SMALL="--dim 16 --hidden 32 --history 20 --blocks 1 --batch 16 --threads 1"
WEIGHTS="item_emb pos_emb block0.wq block0.ff2_w lnf_g"

test_expect_success 'trains and writes a model stream' '
	tt-fit $SMALL --epochs 2 -o model.bin ml.tts &&
	tt-dump model.bin >dump &&
	test_grep "^ *kind=model" dump &&
	test_grep "^item_emb +f32 +\(120,16\)" dump &&
	test_grep "^user_ids +i64 +\(300\)" dump
'

test_expect_success 'the same seed gives the same bytes' '
	tt-fit $SMALL --epochs 2 ml.tts >a.bin &&
	tt-fit $SMALL --epochs 2 <ml.tts >b.bin &&
	cmp a.bin b.bin &&
	cmp a.bin model.bin
'

test_expect_success 'another seed gives another model' '
	tt-fit $SMALL --epochs 2 --seed 2 ml.tts >c.bin &&
	! cmp -s a.bin c.bin
'

test_expect_success 'two threads: deterministic too' '
	tt-fit $SMALL --threads 2 --epochs 1 ml.tts >t1.bin &&
	tt-fit $SMALL --threads 2 --epochs 1 ml.tts >t2.bin &&
	cmp t1.bin t2.bin
'

# The default objective follows the catalogue: the full softmax up to
# twice -n items (here 120), the sampled softmax over -n shared negatives beyond,
# said on stderr and in the model's meta.
test_expect_success 'the default loss: full softmax up to 2 -n items, sampled beyond' '
	tt-fit $SMALL --epochs 1 ml.tts >full.bin 2>err.full &&
	echo "tt-fit: 92.5 training examples per item, at least 50: the dense defaults: --dropout 0.1 --weight-decay 0 --lr-schedule linear" >expect &&
	grep -v "^tt-fit: epoch 1/1 loss " err.full >actual && test_cmp expect actual &&
	tt-dump full.bin >dump.full && test_grep "^ *loss=softmax" dump.full &&
	tt-fit $SMALL --epochs 1 --loss softmax ml.tts >full2.bin &&
	cmp full.bin full2.bin &&
	tt-fit $SMALL --epochs 1 -n 40 ml.tts >samp.bin 2>err.samp &&
	test_grep "120 items, more than 80: sampled softmax over 40 negatives" err.samp &&
	tt-dump samp.bin >dump.samp &&
	test_grep "^ *loss=sampled" dump.samp && test_grep "^ *negatives=40" dump.samp &&
	tt-fit $SMALL --epochs 1 -n 40 --loss sampled ml.tts >samp2.bin 2>/dev/null &&
	cmp samp.bin samp2.bin &&
	tt-fit $SMALL --epochs 1 -n 60 ml.tts >full3.bin 2>err.120 &&
	test_grep "^tt-fit: 120 items, no more than 120 \(twice the negatives\): the full softmax over all of them, no negatives drawn$" err.120 &&
	tt-dump full3.bin | grep -q "^ *loss=softmax"
'

# The defaults follow the data: under 50 training examples per item, the
# sparse regime; the options given stay, and the line says what was set.
test_expect_success 'the defaults by data: sparse under 50 examples an item, dense from 50' '
	ml-synth --users 300 --items 400 --ratings 6000 --seed 3 --format seq | ml-prep -f seq >sparse.tts &&
	tt-fit --hidden 16 --history 10 --threads 1 --max-steps 1 sparse.tts >sp.bin 2>err &&
	echo "tt-fit: 12.8 training examples per item, under 50: the sparse defaults: --dropout 0.5 --weight-decay 0.3 --lr-schedule constant --epochs 40 (no validation split to stop it)" >expect &&
	head -1 err >actual && test_cmp expect actual &&
	tt-dump sp.bin >dump &&
	for kv in dim=64 blocks=2 heads=2 dropout=0.5 weight_decay=0.3 epochs=40; do test_grep "^ *$kv$" dump || return 1; done &&
	tt-fit --hidden 16 --history 10 --threads 1 --max-steps 1 --valid --dim 32 --dropout 0.3 --lr-schedule linear sparse.tts >sp2.bin 2>err &&
	echo "tt-fit: 12.8 training examples per item, under 50: the sparse defaults: --weight-decay 0.3 --epochs 200 (the validation split stops it)" >expect &&
	head -1 err >actual && test_cmp expect actual &&
	tt-dump sp2.bin >dump &&
	for kv in dim=32 blocks=2 heads=2 dropout=0.3 epochs=200; do test_grep "^ *$kv$" dump || return 1; done &&
	tt-fit --dim 16 --hidden 16 --history 10 --dropout 0 --weight-decay 0 --epochs 1 --lr-schedule linear \
		--threads 1 --max-steps 1 sparse.tts >sp3.bin 2>err &&
	! grep "training examples per item" err &&
	tt-fit --hidden 16 --history 10 --threads 1 --max-steps 1 ml.tts 2>err >dense.bin &&
	test_grep "^tt-fit: 92.5 training examples per item, at least 50: the dense defaults: --dropout 0.1 --weight-decay 0 --lr-schedule linear --epochs 24$" err &&
	tt-batch --history 10 --batch 16 sparse.tts >sb.tts &&
	tt-fit --hidden 16 --threads 1 --max-steps 1 sb.tts 2>err >sb.bin &&
	test_grep "^tt-fit: 12.8 training examples per item, under 50: the sparse defaults: --dropout 0.5 --weight-decay 0.3 --lr-schedule constant$" err &&
	tt-fit --arch seed --max-steps 1 --threads 1 sparse.tts 2>err >seed.bin &&
	! grep "training examples per item" err &&
	test_must_fail tt-fit --dim 255 ml.tts >bad.bin 2>err &&
	test_grep "^tt-fit: --dim 255 is not a multiple of --heads 2$" err && test ! -s bad.bin
'

# plateau: once validation stalls, back to the best epoch at a tenth of
# the rate; the run goes on from there and stops at the next stall
test_expect_success 'the plateau schedule: a tenth of the rate from the best epoch' '
	tt-fit --hidden 16 --history 10 --threads 1 --valid sparse.tts 2>err --max-steps 1 >/dev/null &&
	test_grep "the sparse defaults: --dropout 0.5 --weight-decay 0.3 --lr-schedule plateau --epochs 200 \(the validation split stops it\)$" err &&
	tt-fit --dim 16 --hidden 16 --history 10 --threads 1 --lr 0.05 --weight-decay 0 --patience 1 \
		--lr-schedule plateau --epochs 40 sparse.tts >pl.bin 2>err &&
	drop=$(sed -n "s/^tt-fit: no better validation NDCG@10 for 1 epochs: on from epoch \([0-9]*\).s weights at 0.1 of the rate (--lr-schedule plateau)$/\1/p" err) &&
	test -n "$drop" &&
	test_grep "^tt-fit: stopped after epoch [0-9]*: no better validation NDCG@10 for 1 epochs" err &&
	test $(grep -c "valid HR@10" err) -gt $((drop + 1)) &&
	best=$(tt-dump pl.bin | sed -n "s/^ *best_epoch=//p") &&
	test "$best" -gt "$drop" &&
	tt-batch --history 10 --batch 16 sparse.tts >plb.tts &&
	test_must_fail tt-fit --lr-schedule plateau plb.tts >bad.bin 2>err &&
	test_grep "lr-schedule plateau need a prep stream, not batches" err &&
	test_must_fail tt-fit --lr-schedule cosine sparse.tts >bad.bin 2>err &&
	test_grep "^tt-fit: --lr-schedule: .cosine. is not constant, linear or plateau$" err
'

test_expect_success 'sampled softmax from a batch stream: the same model as from prep' '
	tt-batch --history 20 --batch 16 --epochs 1 ml.tts >b1.tts &&
	tt-fit $SMALL -n 40 --loss sampled b1.tts >sb.bin &&
	tt-fit $SMALL -n 40 --loss sampled --epochs 1 ml.tts >sp.bin &&
	tt-dump -n 100000 sb.bin | grep -A3 "^item_emb" >expect &&
	tt-dump -n 100000 sp.bin | grep -A3 "^item_emb" >actual &&
	test_cmp expect actual
'

test_expect_success 'tt-batch makes exactly the batches tt-fit makes' '
	tt-batch --history 20 --batch 16 --epochs 2 ml.tts >batches.tts &&
	tt-fit $SMALL batches.tts >from-batches.bin &&
	for w in $WEIGHTS item_ids; do
		tt-dump --tsv $w a.bin >expect.$w &&
		tt-dump --tsv $w from-batches.bin >actual.$w &&
		test_cmp expect.$w actual.$w || return 1
	done
'

test_expect_success 'a batch stream of 2 epochs: a line for each, as from the prep stream' '
	tt-fit $SMALL batches.tts 2>err >/dev/null &&
	grep "^tt-fit: epoch" err | cut -d" " -f2-5 >actual &&
	printf "epoch 1/2 loss %s\nepoch 2/2 loss %s\n" \
		$(tt-fit $SMALL --epochs 2 ml.tts 2>&1 >/dev/null | sed -n "s/^tt-fit: epoch [12]\/2 loss \([^ ]*\).*/\1/p") >expect &&
	test_cmp expect actual &&
	steps=$(tt-dump batches.tts | grep -c "^users ") &&
	tt-fit $SMALL --max-steps $((steps / 2 + 3)) batches.tts 2>err >/dev/null &&
	grep "^tt-fit: epoch" err | cut -d" " -f2-3 >actual &&
	printf "epoch 1/2\nepoch 2/2\n" >expect && test_cmp expect actual
'

test_expect_success '--history that contradicts a batch stream: usage error, no model' '
	test_must_fail tt-fit $SMALL --history 10 -o contra.bin batches.tts 2>err &&
	test_grep "history 10: the batch stream.s rows have 20 slots" err &&
	! test -e contra.bin &&
	tt-fit $SMALL --history 20 --max-steps 1 -o agree.bin batches.tts &&
	tt-fit --dim 16 --hidden 32 --blocks 1 --batch 16 --threads 1 --max-steps 1 \
		-o unsaid.bin batches.tts &&
	cmp agree.bin unsaid.bin
'

test_expect_success 'tt-batch | tt-fit through a pipe, seed architecture' '
	tt-batch --history 10 --batch 4 ml.tts | tt-fit --arch seed --dim 8 --hidden 8 >seed.bin &&
	tt-dump seed.bin >dump &&
	test_grep "^ *arch=seed" dump &&
	test_grep "^user_emb +f32 +\(300,8\)" dump
'

test_expect_success 'batch stream records and shapes' '
	tt-batch --history 20 --batch 16 ml.tts | tt-dump >dump &&
	test_grep "^ *kind=batch" dump &&
	test_grep "^hist +i32 +\(16,20\)" dump &&
	test_grep "^targets +i32 +\(16,20\)" dump
'

test_expect_success '--valid, --test and --log report what they measured' '
	tt-fit $SMALL --epochs 2 --valid --test --log fit.tsv ml.tts >v.bin 2>err &&
	test_grep "epoch 2/2 loss [0-9.]+ valid HR@10 0\.[0-9]{4} NDCG@10 0\.[0-9]{4}" err &&
	test_grep "test HR@10 0\.[0-9]{4} NDCG@10 0\.[0-9]{4}" err &&
	test $(wc -l <fit.tsv) = 3 &&
	head -1 fit.tsv >header &&
	printf "epoch\tstep\tloss\tvalid_hr10\tvalid_ndcg10\texamples_per_s\tseconds\n" >expect &&
	test_cmp expect header
'

# Without a terminal and without --valid, a line an epoch all the same:
# where the run is, the loss, the speed and the time left for the plan.
test_expect_success 'every epoch says itself on stderr, epoch N of M' '
	tt-fit $SMALL --epochs 3 ml.tts >e.bin 2>err &&
	grep "^tt-fit: epoch" err >lines &&
	test $(wc -l <lines) = 3 &&
	for n in 1 2 3; do
		test_grep "^tt-fit: epoch $n/3 loss [0-9.]+ \([0-9]+ examples/s; [0-9]+m[0-9]{2}s in, [0-9]+m[0-9]{2}s to go\)$" lines || return 1
	done &&
	tt-fit $SMALL --epochs 2 --valid ml.tts >/dev/null 2>err &&
	test_grep "^tt-fit: epoch 1/2 loss [0-9.]+ valid HR@10 0\.[0-9]{4} NDCG@10 0\.[0-9]{4} \([0-9]+ examples/s; [0-9]+m[0-9]{2}s in, at most [0-9]+m[0-9]{2}s to go\)$" err
'

# A learning rate far below a float's resolution leaves the weights as
# they started: the validation NDCG@10 never beats epoch 1's.
test_expect_success 'with --valid, training stops after 5 epochs without a better NDCG@10' '
	tt-fit $SMALL --lr 1e-12 --epochs 9 --valid --log flat.tsv ml.tts 2>err >flat.bin &&
	test $(wc -l <flat.tsv) = 7 &&
	test_grep "stopped after epoch 6: no better validation NDCG@10 for 5 epochs \(--patience\); keeping epoch 1.s weights" err &&
	tt-dump flat.bin >dump && test_grep "best_epoch=1$" dump &&
	tt-fit $SMALL --lr 1e-12 --epochs 9 --patience 2 --log p2.tsv ml.tts 2>/dev/null >/dev/null &&
	test $(wc -l <p2.tsv) = 4 &&
	tt-fit $SMALL --lr 1e-12 --epochs 9 --valid --patience 0 --log p0.tsv ml.tts 2>err >/dev/null &&
	test $(wc -l <p0.tsv) = 10 &&
	! grep stopped err
'

test_expect_success 'validation numbers equal tt-eval on the same model' '
	tt-fit $SMALL --epochs 2 --valid ml.tts 2>err >m.bin &&
	tt-embed m.bin >items.tts &&
	tt-embed --users --at valid m.bin ml.tts >users.tts &&
	tt-topk -k 10 --format tts items.tts users.tts >recs.tts &&
	tt-eval --split valid --k 10 --tsv ml.tts recs.tts >eval.tsv &&
	hr=$(awk -F"\t" "\$1==\"hr\" {printf \"%.4f\", \$3}" eval.tsv) &&
	ndcg=$(awk -F"\t" "\$1==\"ndcg\" {printf \"%.4f\", \$3}" eval.tsv) &&
	test -n "$hr" && test -n "$ndcg" &&
	test_grep "epoch 2/2 .*valid HR@10 $hr NDCG@10 $ndcg" err
'

test_expect_success 'learns: beats the popularity baseline on the test split' '
	tt-fit $SMALL --epochs 6 --lr 0.005 ml.tts >good.bin &&
	tt-embed good.bin >items.tts &&
	tt-embed --users good.bin ml.tts >users.tts &&
	tt-topk -k 10 --format tts items.tts users.tts >recs.tts &&
	tt-eval --k 10 --tsv ml.tts recs.tts >model.tsv &&
	tt-eval --k 10 --tsv --baseline pop ml.tts >pop.tsv &&
	m=$(awk -F"\t" "\$1==\"hr\" {print \$3}" model.tsv) &&
	p=$(awk -F"\t" "\$1==\"pop.hr\" {print \$3}" pop.tsv) &&
	echo "model HR@10 $m, popularity $p" &&
	awk "BEGIN { exit !($m > 1.5 * $p) }"
'

test_expect_success '--init resumes from a model' '
	tt-fit $SMALL --epochs 1 --init a.bin ml.tts >resumed.bin &&
	tt-dump resumed.bin >dump &&
	test_grep "^item_emb" dump &&
	! cmp -s resumed.bin a.bin
'

# --rel-pos (experimental): a (heads, history) bias in each block, said in
# the meta; validation, tt-embed --users and tt-rec use it as training
# does, --init keeps it.  Without it, the models of before (t2100, test_model).
test_expect_success '--rel-pos: a relative position bias in each block, served and carried' '
	tt-fit $SMALL --blocks 2 --epochs 2 --valid --rel-pos ml.tts 2>err >rel.bin &&
	tt-dump rel.bin >dump &&
	test_grep "^    rel_pos=1$" dump &&
	test_grep "^block0.rel_bias +f32 +\(2,20\)" dump &&
	test_grep "^block1.rel_bias +f32 +\(2,20\)" dump &&
	! tt-dump a.bin | grep -q "rel_pos\|rel_bias" &&
	tt-embed rel.bin >items.tts &&
	tt-embed --users --at valid rel.bin ml.tts >users.tts &&
	tt-topk -k 10 --format tts items.tts users.tts >recs.tts &&
	tt-eval --split valid --k 10 --tsv ml.tts recs.tts >eval.tsv &&
	ndcg=$(awk -F"\t" "\$1==\"ndcg\" {printf \"%.4f\", \$3}" eval.tsv) &&
	test -n "$ndcg" &&
	test_grep "epoch 2/2 .*NDCG@10 $ndcg" err &&
	tt-rec -k 3 rel.bin 1 2 3 >rec.txt &&
	test $(grep -c . rec.txt) = 3 &&
	tt-fit $SMALL --blocks 2 --max-steps 1 --init rel.bin ml.tts >rel2.bin &&
	tt-dump rel2.bin | test_grep "^    rel_pos=1$" -
'

test_expect_success '--init on data of other counts carries the items by id (t2050 for more)' '
	ml-synth --users 50 --items 100 --ratings 2000 --seed 4 --format seq | ml-prep >other.tts &&
	tt-fit $SMALL --max-steps 1 --init a.bin other.tts >x.bin 2>err &&
	test_grep "^tt-fit: a.bin: by id, 100 items carried, 0 new, 20 gone$" err &&
	tt-dump x.bin | test_grep "^    items=100$" -
'

test_expect_success 'a truncated prep stream: error, no model, previous file intact' '
	cp a.bin keep.bin &&
	head -c 3000 ml.tts >cut.tts &&
	test_must_fail tt-fit $SMALL -o keep.bin cut.tts 2>err &&
	test_grep "cut.tts: .*truncated" err &&
	cmp a.bin keep.bin &&
	! ls keep.bin.tmp* 2>/dev/null
'

test_expect_success 'a stream of another kind is refused' '
	tt-embed a.bin >items.tts &&
	test_must_fail tt-fit items.tts >x.bin 2>err &&
	test_grep "expected a prep or batch stream, not kind=embeddings" err
'

test_expect_success 'a truncated batch stream: error, no model' '
	tt-batch --history 20 --batch 16 ml.tts >b.tts &&
	head -c 20000 b.tts >bcut.tts &&
	test_must_fail tt-fit $SMALL -o nomodel.bin bcut.tts 2>err &&
	test_grep "truncated" err &&
	! test -e nomodel.bin
'

test_expect_success 'SIGINT: finishes the step, saves the model, exits 130' '
	tt-fit $SMALL --epochs 100000 --log int.tsv -o int.bin ml.tts 2>err &
	pid=$! &&
	wait_until "! kill -0 $pid 2>/dev/null || { test -s int.tsv && test \$(wc -l <int.tsv) -ge 2; }" &&
	kill -INT $pid &&
	{ wait $pid; code=$?; } ;
	test $code = 130 &&
	tt-dump int.bin >dump &&
	test_grep "^item_emb" dump
'

test_expect_success 'bad options' '
	test_must_fail tt-fit --dim 0 ml.tts 2>err &&
	test_grep "dim" err &&
	test_must_fail tt-fit --arch nope ml.tts 2>err &&
	test_grep "is not tt or seed" err &&
	tt-fit --dim 10 --heads 4 ml.tts >x.bin 2>err; test $? = 2 &&
	test_grep "^tt-fit: --dim 10 is not a multiple of --heads 4" err
'

test_expect_success '--help lists the options; --version' '
	tt-fit --help >help &&
	test_grep "^usage: tt-fit" help &&
	tt-fit --version >v &&
	test_grep "^tt-fit \(tt\) " v
'

# script(1) gives tt-fit a terminal for its standard output
command -v script >/dev/null && test_set_prereq SCRIPT

test_expect_success SCRIPT 'binary output refused on a terminal' '
	script -qc "tt-fit $SMALL --epochs 1 $SCRATCH/ml.tts" /dev/null >out 2>&1;
	test_grep "refused on a terminal" out
'

test_done
