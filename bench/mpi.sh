#!/bin/sh
# bench/mpi.sh - data-parallel tt-fit: examples/s of one process and of
# mpirun -np 2 (one thread each), beside one process of two threads (the
# same cores shared by threads instead of ranks), and the bytes each rank
# sums (allreduce) per step; the default model on ../shared/data/ml-1m,
# or ml-synth data of its shape where that is absent.
#   sh bench/mpi.sh [FILE]          (needs bin/ built with make MPI=1)
# MPI_STEPS (default 300) sets the steps of each run.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
case $(cat "$top/bin/.mode" 2>/dev/null) in
*-mpi) ;;
*) echo "bench/mpi.sh: tt-fit is built without MPI; run make MPI=1 first" >&2; exit 1 ;;
esac
dir=${TMPDIR:-/tmp}/tt-bench-mpi.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
steps=${MPI_STEPS:-300}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

. "$top/bench/ml1m.sh"

# examples/s of one run: "name command..." (the log's examples_per_s)
rate() {
	name=$1
	shift
	"$@" --max-steps "$steps" --log "$dir/log.$name" -o "$dir/model.$name" "$dir/ml.tts" \
		2>"$dir/err.$name" || { cat "$dir/err.$name" >&2; return 1; }
	awk -F'\t' 'NR == 2 { print $6 }' "$dir/log.$name"
}

one=$(rate one tt-fit --threads 1)
ranks=$(rate ranks mpirun -np 2 --oversubscribe --bind-to none tt-fit --threads 1)
threads=$(rate threads tt-fit --threads 2)
bytes=$(sed -n 's/.* \([0-9]*\) bytes summed per step$/\1/p' "$dir/err.ranks")
params=$(tt-dump "$dir/model.one" | sed -n 's/^ *parameters=//p')

echo "fit np=1 (1 thread) examples/s: $one"
echo "fit np=2 (1 thread each) examples/s: $ranks"
echo "fit 1 process, 2 threads examples/s: $threads"
echo "$ranks $one" | awk '{ printf "np=2 speedup vs np=1: %.2f\n", $1 / $2 }'
echo "$ranks $threads" | awk '{ printf "np=2 vs 2 threads: %.2f\n", $1 / $2 }'
echo "parameters: $params"
echo "bytes summed per step and rank: $bytes"
awk -F'\t' -v b="$bytes" 'NR == 2 { printf "np=2 steps/s: %.1f, summed per second and rank: %.1f MB/s\n", $2 / $7, b * $2 / $7 / 1e6 }' "$dir/log.ranks"
echo "steps: $steps per run, the default model (tt, dim 64, batch 32 rows)"
