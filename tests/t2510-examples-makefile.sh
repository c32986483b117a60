#!/bin/sh
test_description='examples/ml-1m/Makefile on data of its own: no ML-1M catalogue attached, tt-fit defaults kept, extra options passed'
. "$(dirname "$0")/test-lib.sh"

MK="make --no-print-directory -f $TOP/examples/ml-1m/Makefile TOP=$TOP"

test_expect_success 'another DATA gets no ML-1M movies.dat or id map, and no forced hyper-parameters' '
	ml-synth --users 200 --items 150 --ratings 8000 --seed 5 >r.txt &&
	$MK -n DATA=r.txt >plan &&
	test_grep "ml-prep +-o ml.tts r.txt$" plan &&
	! grep -e "--items" -e "--item-map" -e "--dropout" -e "--epochs" -e "--dim" plan
'

test_expect_success 'variables given become options; PREP_OPTS and FIT_OPTS pass any other' '
	$MK -n DATA=r.txt DIM=16 SEED=3 PREP_OPTS=--min-item-count=2 FIT_OPTS=--no-features >plan &&
	test_grep "ml-prep --min-item-count=2 -o ml.tts r.txt$" plan &&
	test_grep "tt-fit --dim 16 --seed 3 --no-features --valid --log fit.tsv -o model.bin ml.tts$" plan
'

test_expect_success 'the pipeline runs on it to its results' '
	ml-synth --users 200 --items 150 --ratings 8000 --seed 5 --movies movies.dat >r.txt &&
	$MK DATA=r.txt MOVIES=movies.dat FIT_OPTS="$TINY --max-steps 5" >out 2>err &&
	test_grep "^HR " results.txt &&
	tt-dump ml.tts | grep -q "^titles" &&
	tt-eval --k 10,20 ml.tts recs.tts >again && test_cmp results.txt again
'

test_done
