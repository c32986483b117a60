#!/bin/sh
test_description='tt-rec: recommendations for histories typed by a person'
. "$(dirname "$0")/test-lib.sh"

SMALL="--dim 16 --hidden 32 --history 8 --blocks 1 --batch 16"

# Item ids, rank and item of each answer, from tt-rec's output.
answers() { awk -F"\t" "NF { print \$1, \$2, \$3 }" "$1"; }

test_expect_success 'setup: a model trained on generated data' '
	test_pipeline --ratings ratings.dat --prep ml.tts --to embed $SMALL --epochs 2 &&
	awk -F"::" "\$1 <= 30 { h[\$1] = h[\$1] \" \" \$2 } END {
		for (u = 1; u <= 30; u++) print substr(h[u], 2) }" ratings.dat >histories &&
	printf "5 5 6 5\n42\n" >>histories
'

test_expect_success 'the same answers as ml-prep | tt-embed --users | tt-topk' '
	tt-rec -k 7 model.bin <histories >rec.tsv &&
	awk "{ for (i = 1; i <= NF; i++) print NR, \$i }" histories |
		ml-prep -f seq --split none | tt-embed --users model.bin |
		tt-topk -k 7 items.tts >pipe.tsv &&
	answers rec.tsv >actual && answers pipe.tsv >expect &&
	test $(wc -l <expect) = 224 && test_cmp expect actual &&
	cut -f1-3,5 rec.tsv | awk NF >actual && cut -f1-3,5 pipe.tsv >expect &&
	test_cmp expect actual
'

test_expect_success 'every answer ends with an empty line; items on the command line' '
	awk "!NF { n++ } END { print n }" rec.tsv >actual && echo 32 >expect &&
	test_cmp expect actual &&
	tt-rec -k 7 model.bin 5 5 6 5 >one.tsv &&
	sed -n "31p" histories | tt-rec -k 7 model.bin >expect && test_cmp expect one.tsv &&
	tt-rec -k 7 model.bin "5 5" 6 5 >joined.tsv && test_cmp one.tsv joined.tsv
'

test_expect_success 'seen items excluded, repeats counted once' '
	tt-rec -k 150 model.bin 5 6 5 7 >all.tsv &&
	test $(awk NF all.tsv | wc -l) = 147 &&
	! awk -F"\t" "\$3 == 5 || \$3 == 6 || \$3 == 7" all.tsv | grep . &&
	tt-rec -k 3 model.bin 5 6 7 >a && tt-rec -k 3 model.bin 5 6 5 7 >b && test_cmp a b
'

# Each answer is read before the next line is written: a program that
# held its answers back until the end of its input would never send the
# first, and timeout would end it with the second missing.
test_expect_success 'a filter: a line in, its answer out at once' '
	mkfifo in out &&
	{ timeout 20 tt-rec -k 3 model.bin <in >out 2>err & } &&
	exec 3>in 4<out &&
	echo "1 2 3" >&3 &&
	: >first && while read -r l <&4 && [ -n "$l" ]; do echo "$l" >>first; done &&
	echo "4 5 6" >&3 &&
	: >second && while read -r l <&4 && [ -n "$l" ]; do echo "$l" >>second; done &&
	exec 3>&- && cat <&4 >rest && exec 4<&- && wait &&
	tt-rec -k 3 model.bin 1 2 3 | awk NF >expect && test_cmp expect first &&
	tt-rec -k 3 model.bin 4 5 6 | awk NF >expect && sed "s/^1	/2	/" expect >expect2 &&
	test_cmp expect2 second && ! test -s rest
'

test_expect_success 'unknown ids: said in the answer, where a client reads them, left out, exit 1' '
	printf "5 999 6\nfive\n\n" >odd &&
	{ tt-rec -k 4 model.bin <odd >odd.tsv 2>err; test $? = 1; } &&
	! test -s err &&
	{
		printf "1\tleft-out\t999\tnot in the model\n" &&
		tt-rec -k 4 model.bin 5 6 &&
		printf "2\tleft-out\tfive\tnot an item id\n\n\n"
	} >expect &&
	test_cmp expect odd.tsv &&
	{ tt-rec model.bin 999 >none 2>err; test $? = 1; } &&
	printf "1\tleft-out\t999\tnot in the model\n\n" >expect && test_cmp expect none &&
	! test -s err
'

test_expect_success 'empty lines and an empty input' '
	printf "\n  \n" | tt-rec model.bin >blank 2>err && printf "\n\n" >expect &&
	test_cmp expect blank && ! test -s err &&
	tt-rec model.bin </dev/null >nothing && ! test -s nothing
'

test_expect_success 'bad model files, bad options' '
	echo junk >junk.bin && test_must_fail tt-rec junk.bin 1 2>err &&
	test_grep "^tt-rec: junk.bin: " err && test $(wc -l <err) = 1 &&
	test_must_fail tt-rec ml.tts 1 2>err && test_grep "^tt-rec: ml.tts: .*model" err &&
	test_must_fail tt-rec missing.bin 1 2>err && test_grep "^tt-rec: missing.bin" err &&
	tt-fit --arch seed --dim 8 --hidden 8 --history 4 --batch 16 --epochs 1 <ml.tts >seed.bin &&
	test_must_fail tt-rec seed.bin 1 2>err && test_grep "seed architecture" err &&
	{ tt-rec -k 0 model.bin 1 2>err; test $? = 2; } &&
	{ tt-rec 2>err; test $? = 2; }
'

test_done
