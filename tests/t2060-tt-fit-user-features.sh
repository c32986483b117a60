#!/bin/sh
test_description='user features: a users file puts gender, age band and occupation into the tt user vector'
. "$(dirname "$0")/test-lib.sh"

# 200 users of ml-synth, and two more of one history, 9001 and 9002, who
# differ only in their users.dat lines.
test_expect_success 'setup: ratings, users, two users of one history' '
	ml-synth --users 200 --items 150 --ratings 8000 --seed 5 --users-out users.dat >r.txt &&
	awk -F:: "\$1 == 7 { print 9001 FS \$2 FS \$3 FS \$4; print 9002 FS \$2 FS \$3 FS \$4 }" r.txt >twins &&
	cat r.txt twins >r2.txt &&
	printf "9001::F::25::3::11111\n9002::M::56::12::22222\n" >>users.dat &&
	ml-prep --users users.dat r2.txt >users.tts &&
	ml-prep r2.txt >plain.tts
'

test_expect_success 'tt-fit says it uses them, and the model has their table' '
	tt-fit $TINY --max-steps 30 users.tts >m.bin 2>err &&
	test_grep "^tt-fit: user features: gender, age band and occupation$" err &&
	tt-dump m.bin >dump && test_grep "^ *user_features=1$" dump &&
	test_grep "^user_feat_emb +f32 +\(73,8\)" dump
'

test_expect_success 'without a users file, or with --no-features, or --arch seed: none' '
	tt-fit $TINY --max-steps 3 plain.tts >p.bin 2>err && ! grep "user features" err &&
	tt-fit $TINY --max-steps 3 --no-features users.tts >n.bin 2>err && ! grep "user features" err &&
	tt-fit --arch seed --dim 8 --hidden 8 --history 10 --batch 16 --threads 1 --max-steps 3 \
		users.tts >s.bin 2>err && ! grep "user features" err &&
	for b in p n s; do tt-dump $b.bin >d && ! grep "user_feat" d || return 1; done
'

vectors_of() { # MODEL PREP: the vectors of users 9001 and 9002, one line each
	tt-embed --users --user 9001,9002 "$1" "$2" >v.tts &&
	tt-dump --tsv vectors v.tts
}

test_expect_success 'two users of one history get different vectors by their features alone' '
	vectors_of m.bin users.tts >v && test $(sort -u v | wc -l) = 2 &&
	vectors_of p.bin plain.tts >v && test $(sort -u v | wc -l) = 1
'

test_expect_success 'a model with user features on data of no users file: the tower alone' '
	vectors_of m.bin plain.tts >v && test $(sort -u v | wc -l) = 1 &&
	tt-rec -k 3 m.bin 1 2 3 >rec && test $(awk NF rec | wc -l) = 3
'

test_expect_success 'a model file whose meta claims user features for the seed tower is refused' '
	zstd -q -dc s.bin | /usr/bin/python3 -c "
import sys, tts
for r in tts.records(sys.stdin.buffer.read()):
    if r.name == \"meta\":
        r = tts.text_record(\"meta\", r.text() + \"user_features=1\\n\")
        sys.stdout.buffer.write(r)
    else:
        sys.stdout.buffer.write(r.bytes())
" | zstd -q -c >bad.bin &&
	test_must_fail tt-embed bad.bin >out 2>err &&
	test_grep "^tt-embed: bad.bin: meta: user_features=1: expected an integer in 0..0$" err
'

test_done
