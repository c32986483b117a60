#!/bin/sh
test_description='ml-prep: what it writes its readers take, lines of bounded length, CSV columns named once'
. "$(dirname "$0")/test-lib.sh"

ml-synth --users 200 --items 150 --ratings 8000 --seed 5 >r.dat || exit 1

# movies.dat for items 1..150, movie i with genres g<i*$1> .. g<i*$1+$1-1>;
# movie 1 also with the 70 genres x1..x70.
movies() {
	awk -v per="$1" 'BEGIN {
		for (i = 1; i <= 150; i++) {
			s = "";
			for (j = 0; j < per; j++)
				s = s (j ? "|" : "") "g" (i * per + j);
			if (i == 1)
				for (j = 1; j <= 70; j++)
					s = s "|x" j;
			printf "%d::Movie %d (1995)::%s\n", i, i, s;
		}
	}'
}

test_expect_success 'more genres than a reader takes: refused at the line that brings the 4097th' '
	movies 40 >movies.dat &&
	test_must_fail ml-prep --items movies.dat -o out.tts r.dat 2>err &&
	echo "ml-prep: movies.dat:101: more than 4096 distinct genres" >expect &&
	test_cmp expect err &&
	! test -e out.tts
'

test_expect_success '3970 genres, 96 of them on one movie: all kept, and tt-fit takes the stream' '
	movies 26 >movies.dat &&
	ml-prep --items movies.dat r.dat >prep.tts &&
	tt-dump prep.tts >dump &&
	test_grep "^genres  *u8  *.150,3970." dump &&
	tt-dump --tsv genres prep.tts >genres.tsv &&
	sed -n 1p genres.tsv | tr "\t" "\n" | grep -c "^1\$" >ones &&
	echo 96 >expect &&
	test_cmp expect ones &&
	tt-fit $TINY --max-steps 1 prep.tts >model.bin 2>err &&
	test_grep "item features: 3970 genres" err
'

test_expect_success 'a line past 64 MiB (here: no newline at all) is refused at that line' '
	head -c 70000000 /dev/zero >zeros &&
	test_must_fail ml-prep -f dat zeros >out 2>err &&
	echo "ml-prep: zeros:1: line longer than 67108864 bytes" >expect &&
	test_cmp expect err &&
	{ cat r.dat; cat zeros; } | test_must_fail ml-prep >out 2>err &&
	echo "ml-prep: <stdin>:8001: line longer than 67108864 bytes" >expect &&
	test_cmp expect err
'

test_expect_success 'a CSV header naming a column twice: an error naming it, at line 1' '
	printf "userId,movieId,movieId,timestamp\n1,2,3,4\n" >dup.csv &&
	test_must_fail ml-prep dup.csv >out 2>err &&
	echo "ml-prep: dup.csv:1: column '\''movieId'\'' twice in the header" >expect &&
	test_cmp expect err &&
	printf "user,item,user\n1,2,3\n" >dup2.csv &&
	test_must_fail ml-prep --user-col user --item-col item dup2.csv >out 2>err &&
	test_grep "dup2.csv:1: column .user. twice in the header" err
'

test_done
