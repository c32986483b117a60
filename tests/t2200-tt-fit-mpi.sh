#!/bin/sh
test_description='tt-fit under mpirun: data-parallel training equals one process'
. "$(dirname "$0")/test-lib.sh"

# bin/ built with make MPI=1 (bin/.mode says so) needs mpirun.  Not under
# memcheck: Open MPI's own start-up is not valgrind-clean.
case $(cat "$TOP/bin/.mode") in
*-mpi)
	command -v mpirun >/dev/null || { echo "Bail out! tt-fit built with MPI=1, but no mpirun"; exit 1; }
	[ "$VALGRIND" = 1 ] || test_set_prereq MPI ;;
*)
	test_set_prereq NOMPI ;;
esac
# mpirun refuses root unless told; CI runs as root in a throwaway machine.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN="mpirun -np 2 --oversubscribe --bind-to none"

ml-synth --users 300 --items 600 --ratings 15000 --seed 5 --format seq >ratings.txt &&
ml-prep ratings.txt >ml.tts || exit 1
SMALL="--dim 16 --hidden 32 --history 20 --blocks 1 --batch 16 --epochs 1"
SEED="--arch seed --dim 16 --hidden 32 --history 20 --batch 16 --epochs 1"

# Every record, every value, but the meta lines that name the process
# layout (threads=, ranks=).
weights() {
	tt-dump -n 1000000 "$1" | grep -v "^ *threads=" | grep -v "^ *ranks="
}

# Two processes of one thread share a batch exactly as one process of two
# threads does (the same rows, dropout streams and order of sums), so the
# models are not merely close: they are the same floats.
test_expect_success MPI 'np=2 x 1 thread equals 1 process x 2 threads, tt with dropout' '
	tt-fit $SMALL --threads 2 ml.tts >one.bin &&
	$MPIRUN tt-fit $SMALL --threads 1 ml.tts >two.bin 2>err &&
	test_grep "2 processes, [0-9]+ steps, [0-9]+ bytes summed per step" err &&
	weights one.bin >expect && weights two.bin >actual &&
	test_cmp expect actual &&
	tt-dump two.bin >dump && test_grep "^ *ranks=2" dump
'

test_expect_success MPI 'the seed architecture (item tower MLP) too' '
	tt-fit $SEED --threads 2 ml.tts >one.bin &&
	$MPIRUN tt-fit $SEED --threads 1 ml.tts >two.bin 2>err &&
	weights one.bin >expect && weights two.bin >actual &&
	test_cmp expect actual
'

# Past 128 items (twice -n) the default is the sampled softmax over 64 shared
# negatives: a step touches a few hundred of the 600 item rows, and only
# those are summed over the processes.
test_expect_success MPI 'sampled softmax: the same floats, and only touched rows summed' '
	tt-fit $SMALL -n 64 --threads 2 ml.tts >one.bin 2>err1 &&
	test_grep "600 items, more than 128: sampled softmax" err1 &&
	$MPIRUN tt-fit $SMALL -n 64 --threads 1 ml.tts >two.bin 2>err &&
	weights one.bin >expect && weights two.bin >actual &&
	test_cmp expect actual &&
	$MPIRUN tt-fit $SMALL --loss softmax --threads 1 ml.tts >full.bin 2>err.full &&
	sampled=$(sed -n "s/.* \([0-9]*\) bytes summed per step/\1/p" err) &&
	full=$(sed -n "s/.* \([0-9]*\) bytes summed per step/\1/p" err.full) &&
	test "$sampled" -lt "$full"
'

test_expect_success MPI 'a batch stream on stdin, and --init' '
	tt-batch --history 20 --batch 16 ml.tts >batches.tts &&
	tt-fit $SMALL --threads 2 --init one.bin <batches.tts >one.bin.2 &&
	$MPIRUN tt-fit $SMALL --threads 1 --init one.bin <batches.tts >two.bin.2 &&
	weights one.bin.2 >expect && weights two.bin.2 >actual &&
	test_cmp expect actual
'

test_expect_success MPI 'one log, one report, one model file: rank 0 writes' '
	$MPIRUN tt-fit $SMALL --epochs 3 --patience 1 --threads 1 --log log.tsv \
		-o model.bin ml.tts 2>err &&
	tt-fit $SMALL --epochs 3 --patience 1 --threads 2 --log log1.tsv ml.tts >/dev/null &&
	test "$(grep -c "valid HR@10" err)" = "$(($(wc -l <log.tsv) - 1))" &&
	cut -f1-5 log1.tsv >expect && cut -f1-5 log.tsv >actual &&
	test_cmp expect actual &&
	ls model.bin* >files && echo model.bin >expect && test_cmp expect files
'

test_expect_success MPI 'a cut input: every rank stops, no model' '
	head -c 3000 ml.tts >cut.tts &&
	test_must_fail $MPIRUN tt-fit $SMALL -o cut.bin cut.tts 2>err &&
	test_grep "cut.tts: .*(truncated|end)" err &&
	! ls cut.bin* 2>/dev/null
'

test_expect_success MPI 'a missing input: a clear error' '
	test_must_fail $MPIRUN tt-fit $SMALL -o none.bin missing.tts 2>err &&
	test_grep "missing.tts: No such file" err &&
	! ls none.bin* 2>/dev/null
'

test_expect_success NOMPI 'started by mpirun but built without MPI: refuses' '
	OMPI_COMM_WORLD_SIZE=2 test_must_fail tt-fit $SMALL ml.tts >out.bin 2>err &&
	test_grep "built without MPI: build with make MPI=1" err &&
	test ! -s out.bin
'

test_done
