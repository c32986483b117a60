#!/bin/sh
test_description='ml-synth: shape, determinism, formats, metadata'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'defaults: ML-1M shape, every user >= 20 ratings' '
	ml-synth >r.dat &&
	test "$(wc -l <r.dat)" = 1000209 &&
	awk -F"::" "{ n[\$1]++ } END { for (u in n) { k++; if (n[u] < 20) bad++ }
		exit !(k == 6040 && bad == 0) }" r.dat
'

test_expect_success 'same seed, same bytes; another seed, other bytes' '
	ml-synth -u 100 -i 300 -r 5000 -s 7 >a &&
	ml-synth -u 100 -i 300 -r 5000 -s 7 >b && cmp a b &&
	ml-synth -u 100 -i 300 -r 5000 -s 8 >c && ! cmp -s a c
'

test_expect_success 'formats' '
	ml-synth -u 30 -i 100 -r 900 -f csv >r.csv &&
	head -n 1 r.csv >actual && echo userId,movieId,rating,timestamp >expect &&
	test_cmp expect actual && test "$(wc -l <r.csv)" = 901 &&
	ml-synth -u 30 -i 100 -r 900 -f tsv >r.tsv && test_grep "^1	[0-9]+	[1-5]	[0-9]+$" r.tsv &&
	ml-synth -u 30 -i 100 -r 900 -f seq >r.seq && test_grep "^1 [0-9]+$" r.seq &&
	ml-synth -u 30 -i 100 -r 900 -f seq --per-user >u.seq && test "$(wc -l <u.seq)" = 30 &&
	awk "\$1 == 1 { \$1 = \"\"; print }" r.seq | tr -d "\n" >expect &&
	awk "\$1 == 1 { \$1 = \"\"; printf \"%s\", \$0 }" u.seq >actual && test_cmp expect actual &&
	{ ml-synth --per-user >/dev/null 2>err; test $? = 2; } &&
	test_grep "per-user needs --format seq" err
'

test_expect_success 'dat is grouped by user but not in time order' '
	ml-synth -u 30 -i 100 -r 900 >r.dat &&
	awk -F"::" "\$1 == 1 { if (\$4 < prev) down++; prev = \$4 } END { exit !down }" r.dat &&
	awk -F"::" "\$1 < prev { exit 1 } { prev = \$1 }" r.dat
'

test_expect_success 'movies and users metadata load into ml-prep' '
	ml-synth -u 30 -i 100 -r 900 --movies m.dat --users-out u.dat >r.dat &&
	test "$(wc -l <m.dat)" = 100 && test "$(wc -l <u.dat)" = 30 &&
	test_grep "^17::Synthetic Movie 17 \([0-9]{4}\)::[A-Z]" m.dat &&
	ml-prep --items m.dat --users u.dat --stats r.dat >p.tts 2>err &&
	test_grep "items without metadata: 0" err &&
	test_grep "users without metadata: 0" err
'

test_expect_success '-o: a new file gets the mode of the umask, a replaced one keeps its own' '
	rm -f new.dat &&
	(umask 027 && ml-synth -u 30 -i 100 -r 900 -o new.dat) &&
	test "$(stat -c %a new.dat)" = 640 &&
	chmod 604 new.dat &&
	ml-synth -u 30 -i 100 -r 900 --seed 2 -o new.dat &&
	test "$(stat -c %a new.dat)" = 604
'

test_expect_success 'bad sizes are usage errors' '
	test_must_fail ml-synth -u 10 -r 100 2>err &&
	test_grep "ratings must be" err
'

test_done
