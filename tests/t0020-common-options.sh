#!/bin/sh
test_description='every program: -h/--help and -V/--version alike; -t/--threads and TT_THREADS in one range'
. "$(dirname "$0")/test-lib.sh"

PROGRAMS="ml-prep ml-synth tt-batch tt-fit tt-embed tt-topk tt-rec tt-eval tt-dump"
THREADED="tt-fit tt-embed tt-topk tt-rec"
VERSION=$(sed -n 's/^#define TT_VERSION "\(.*\)"$/\1/p' "$TOP/cmd/cli.h")

for p in $PROGRAMS; do
	test_expect_success "$p: -h and --help print the same usage on stdout, exit 0" "
		$p -h >short 2>err && ! test -s err &&
		$p --help >long 2>err && ! test -s err &&
		test_grep '^usage: $p ' long && test_cmp long short &&
		test_grep '^  -h, --help ' long && test_grep '^  -V, --version ' long
	"
	test_expect_success "$p: -V and --version print '$p (tt) VERSION', exit 0" "
		test -n '$VERSION' && echo '$p (tt) $VERSION' >expect &&
		$p -V >short 2>err && ! test -s err && test_cmp expect short &&
		$p --version >long 2>err && ! test -s err && test_cmp expect long
	"
done

for p in $THREADED; do
	test_expect_success "$p: -t/--threads outside 1..256 refused in one wording" "
		for n in 0 257 -1 abc 1x ''; do
			{ $p -t \"\$n\" x.tts >out 2>err; test \$? = 2; } &&
			echo \"$p: --threads: '\$n' is not a thread count in 1..256\" >expect &&
			head -1 err >actual && test_cmp expect actual &&
			test_grep \"^Try '$p --help'\" err &&
			{ $p --threads=\"\$n\" x.tts >out 2>err; test \$? = 2; } &&
			head -1 err >actual && test_cmp expect actual || return 1
		done &&
		$p -t 256 --help >out && $p --threads 1 --help >out
	"
	test_expect_success "$p: a bad TT_THREADS blocks neither --help, --version nor --threads" "
		TT_THREADS=abc $p --help >out && test -s out &&
		TT_THREADS=0 $p -h >out && test -s out &&
		TT_THREADS=abc $p --version >out && test -s out &&
		{ TT_THREADS=abc $p -t 300 x.tts 2>err; test \$? = 2; } &&
		test_grep \"^$p: --threads: '300'\" err && ! grep TT_THREADS err
	"
	test_expect_success "$p: a bad TT_THREADS without --threads: one line naming it, exit 2" "
		for v in abc 0 257 1x; do
			{ TT_THREADS=\$v $p x.tts >out 2>err; test \$? = 2; } &&
			echo \"$p: TT_THREADS: '\$v' is not a thread count in 1..256\" >expect &&
			test_cmp expect err || return 1
		done
	"
done

test_expect_success 'setup: a small model, its items and users' '
	ml-synth --users 200 --items 150 --ratings 8000 --movies movies.dat >ratings.dat &&
	ml-prep --items movies.dat ratings.dat >ml.tts &&
	tt-fit -t 1 --max-steps 3 --dim 8 --hidden 8 --history 4 --blocks 1 ml.tts >model.bin 2>fit.err &&
	tt-embed -t 1 model.bin >items.tts &&
	tt-embed -t 1 --users model.bin ml.tts >users.tts
'

test_expect_success 'a bad TT_THREADS does not stop a run given --threads' '
	TT_THREADS=abc tt-embed -t 1 model.bin >items2.tts && cmp items.tts items2.tts &&
	TT_THREADS=abc tt-topk -t 1 -k 3 items.tts users.tts >recs.tsv && test -s recs.tsv &&
	TT_THREADS=999 tt-topk --threads 2 -k 3 items.tts users.tts >recs2.tsv &&
	test_cmp recs.tsv recs2.tsv &&
	TT_THREADS= tt-topk -k 3 items.tts users.tts >recs3.tsv && test_cmp recs.tsv recs3.tsv &&
	TT_THREADS=abc tt-fit -t 1 --max-steps 2 --dim 8 --hidden 8 --history 4 --blocks 1 \
		-o m2.bin ml.tts 2>fit.err && test -s m2.bin &&
	TT_THREADS=abc tt-rec -t 1 -k 2 model.bin 1 2 >out && test -s out
'

test_expect_success 'a program that does not compute in threads ignores TT_THREADS' '
	TT_THREADS=abc tt-dump items.tts >out && test -s out &&
	{ TT_THREADS=abc tt-topk --merge items.tts /dev/null 2>err; ! grep TT_THREADS err; }
'

test_done
