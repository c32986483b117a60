#!/bin/sh
test_description='ml-prep: odd input and options give a clear error or the right stream, never a silent wrong one'
. "$(dirname "$0")/test-lib.sh"

ml-synth -u 200 -i 150 -r 8000 --movies movies.dat -o ratings.dat || exit 1

dump() { tt-dump --tsv "$1" "$2"; }

test_expect_success 'a quoted CSV field over two lines is one record' '
	printf "userId,movieId,rating,timestamp,comment\n1,10,4,100,\"two\nlines\"\n1,11,4,101,x\n1,12,4,102,x\n" >q.csv &&
	ml-prep --split none q.csv >q.tts &&
	dump user_ids q.tts >actual && echo 1 >expect && test_cmp expect actual &&
	dump item_ids q.tts >actual && printf "10\n11\n12\n" >expect && test_cmp expect actual &&
	dump times q.tts >actual && printf "100\n101\n102\n" >expect && test_cmp expect actual &&
	printf "userId,movieId,title,rating,timestamp\n1,10,\"a\nb\",4,100\n1,11,c,3,101\n" >q2.csv &&
	ml-prep --split none q2.csv >q2.tts &&
	dump item_ids q2.tts >actual && printf "10\n11\n" >expect && test_cmp expect actual &&
	dump ratings q2.tts >actual && printf "4\n3\n" >expect && test_cmp expect actual
'

test_expect_success 'a bad id in a record over two lines is named at its first line' '
	printf "userId,movieId,rating,timestamp,comment\n,xyz,4,100,\"two\nlines\"\n1,11,4,101,x\n" >q3.csv &&
	test_must_fail ml-prep q3.csv >out 2>err &&
	echo "ml-prep: q3.csv:2: user id is empty" >expect &&
	test_cmp expect err
'

test_expect_success 'an unterminated quote is named where it opens' '
	{ echo userId,movieId,rating,timestamp,comment && echo "1,10,4,100,\"oops" &&
	  for i in $(seq 11 30); do echo "1,$i,4,$((100 + i)),ok"; done; } >un.csv &&
	test_must_fail ml-prep un.csv >out 2>err &&
	echo "ml-prep: un.csv:2: unterminated quoted field" >expect && test_cmp expect err &&
	printf "userId,movieId,rating,timestamp,comment\n1,10,4,100,\"a\nb\"\n1,11,4,101,\"c\nd\n" >un2.csv &&
	test_must_fail ml-prep un2.csv >out 2>err &&
	echo "ml-prep: un2.csv:4: unterminated quoted field" >expect && test_cmp expect err
'

test_expect_success 'movies.csv: the bad record and its reason' '
	{ echo movieId,title,genres && echo "1,\"A, the (1999)\",Drama" && echo ",B (2000),Comedy" &&
	  for i in $(seq 3 40); do echo "$i,M$i (2001),Drama"; done; } >mv.csv &&
	test_must_fail ml-prep --items mv.csv ratings.dat >out 2>err &&
	echo "ml-prep: mv.csv:3: movie id is empty" >expect &&
	test_cmp expect err &&
	printf "movieId,title,genres\n1,\"Two\nlines (1990)\",Drama\n2,B (2000)\n3,C,D\n" >mv2.csv &&
	test_must_fail ml-prep --items mv2.csv ratings.dat >out 2>err &&
	echo "ml-prep: mv2.csv:4: expected 3 fields movieId,title,genres, found 2" >expect &&
	test_cmp expect err &&
	printf "movieId,title,genres\n1,A,B\n2,\"B (2000),x\n3,C,D\n" >mv3.csv &&
	test_must_fail ml-prep --items mv3.csv ratings.dat >out 2>err &&
	echo "ml-prep: mv3.csv:3: unterminated quoted field" >expect && test_cmp expect err
'

test_expect_success 'an id beyond 2^63-1 in a side file is a string, not clamped' '
	printf "1::9223372036854775807::5::1\n1::1::5::2\n" >big.dat &&
	printf "99999999999999999999::Out of range (2000)::Drama\n1::One (1999)::Comedy\n" >bigm.dat &&
	ml-prep --items bigm.dat big.dat >out 2>err &&
	echo "ml-prep: bigm.dat: 1 of the 2 items of the input are not in it: their side data is empty" >expect &&
	test_cmp expect err &&
	tt-dump --tsv titles out >actual && printf "One (1999)\n\n" >expect && test_cmp expect actual &&
	printf "99999999999999999999::M::1::1::1\n" >bigu.dat &&
	test_must_fail ml-prep --users bigu.dat big.dat >out 2>err &&
	test_grep "^ml-prep: bigu.dat: none of the input" err &&
	printf "1 99999999999999999999\n" >bigmap &&
	test_must_fail ml-prep --items movies.dat --item-map bigmap big.dat >out 2>err &&
	echo "ml-prep: bigmap:1: expected 2 ids '"'"'from to'"'"'" >expect && test_cmp expect err
'

test_expect_success '--items naming no item of the input: an error; some: a warning' '
	awk -F"::" "{ print \$1 + 1000 \"::\" \$2 \"::\" \$3 }" movies.dat >other.dat &&
	test_must_fail ml-prep --items other.dat ratings.dat >out 2>err &&
	echo "ml-prep: other.dat: none of the input'"'"'s 150 item ids is in it (--item-map maps other ids to its own)" >expect &&
	test_cmp expect err && test ! -s out &&
	head -100 movies.dat >some.dat &&
	ml-prep --items some.dat ratings.dat >some.tts 2>err &&
	echo "ml-prep: some.dat: 50 of the 150 items of the input are not in it: their side data is empty" >expect &&
	test_cmp expect err &&
	ml-prep --items movies.dat ratings.dat >all.tts 2>err && test ! -s err
'

test_expect_success '--min-rating on input without ratings is refused' '
	printf "1 10 11 12 13\n2 10 11 12\n" >s.seq &&
	test_must_fail ml-prep --min-rating 4 s.seq >out 2>err &&
	echo "ml-prep: --min-rating: s.seq has no ratings (seq)" >expect && test_cmp expect err &&
	printf "userId,movieId\n1,2\n1,3\n" >nr.csv &&
	test_must_fail ml-prep --min-rating 4 nr.csv >out 2>err &&
	echo "ml-prep: --min-rating: nr.csv has no ratings (a file without a rating column)" >expect &&
	test_cmp expect err
'

test_expect_success 'a rating beyond a float is refused' '
	printf "1::1::1e39::1\n1::2::5::2\n" >inf.dat &&
	test_must_fail ml-prep inf.dat >out 2>err &&
	echo "ml-prep: inf.dat:1: rating '"'"'1e39'"'"' is beyond the range of a 32-bit float" >expect &&
	test_cmp expect err &&
	printf "userId,movieId,rating\n1,1,-1e39\n" >inf.csv &&
	test_must_fail ml-prep inf.csv >out 2>err &&
	test_grep "^ml-prep: inf.csv:2: rating .-1e39. is beyond" err
'

test_expect_success 'the meta keeps option text whole, and refuses what would break it' '
	ml-prep --min-rating 3.000000000000000000000000000000000000000000000000000001 ratings.dat >mr.tts &&
	tt-dump mr.tts >d &&
	test_grep "^ *min_rating=3.000000000000000000000000000000000000000000000000000001$" d &&
	test_grep "^ *min_item_count=0$" d &&
	nl="
" &&
	test_must_fail ml-prep --min-rating "${nl}3" ratings.dat >out 2>err &&
	test_grep "^ml-prep: --min-rating: a blank or control character in the number$" err &&
	test_must_fail ml-prep --cold-items "0.1${nl}x=1" ratings.dat >out 2>err &&
	test_grep "^ml-prep: --cold-items: a blank or control character in the number$" err
'

test_expect_success 'an output that is also an input is refused before anything is written' '
	cp ratings.dat mine.dat &&
	test_must_fail ml-prep -o mine.dat mine.dat 2>err &&
	test_grep "^ml-prep: mine.dat is also the input mine.dat: it would be overwritten$" err &&
	ln -s mine.dat link.dat &&
	test_must_fail ml-prep -o ./link.dat mine.dat 2>err &&
	test_must_fail ml-prep -o mine.dat <mine.dat 2>err &&
	test_grep "is also the input <stdin>" err &&
	test_must_fail ml-prep --items mine.dat -o mine.dat ratings.dat 2>err &&
	test_grep "^ml-prep: mine.dat is also --items mine.dat" err &&
	test_must_fail ml-prep mine.dat >>mine.dat 2>err &&
	test_grep "^ml-prep: standard output is also the input mine.dat" err &&
	cmp mine.dat ratings.dat
'

test_expect_success 'users.dat: a gender that is not F or M is an error naming the line' '
	ml-synth --users 30 --items 100 --ratings 800 --users-out users.dat >ur.dat &&
	for g in X m ""; do
		sed "2s/::[FM]::/::$g::/" users.dat >ux.dat &&
		test_must_fail ml-prep --users ux.dat -o ux.tts ur.dat 2>err &&
		echo "ml-prep: ux.dat:2: gender '"'"'$g'"'"': expected F or M" >expect &&
		test_cmp expect err && ! test -e ux.tts || return 1
	done
'

test_done
