/*
 * dist.h - the processes of one training run: one process, or the ranks
 * of an Open MPI job (tt-fit built with `make MPI=1` and started by
 * mpirun).  Synchronous data parallelism needs only these: who am I, the
 * input from rank 0 to all, and sums over all ranks.
 *
 * libtt.a holds the single-process build (one rank, every call a no-op);
 * `make MPI=1` links tt-fit with the MPI build of the same file instead.
 * A failing MPI call ends the whole job (MPI's default error handler).
 */
#ifndef DIST_H
#define DIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* -1 when started by mpirun with more than one process but built without
 * MPI. */
int dist_init(int *argc, char ***argv);
void dist_finish(void);
int dist_rank(void);        /* 0..dist_size()-1 */
int dist_size(void);
int dist_local_size(void);  /* ranks on this machine */

/* Rank 0's input, whole, on every rank: rank 0 passes its open input and
 * gets a stream of the same bytes (closing its own); the others pass NULL
 * and get one too.
 * In a job of one rank, in itself.  NULL with errno on failure. */
FILE *dist_input(FILE *in);
/* In-place sums over all ranks; every rank gets the same result. */
void dist_sum_f32(float *x, size_t n);
void dist_sum_f64(double *x, size_t n);
/* Bytes this rank has given to the sums so far (each is sent and received
 * about twice over by a ring allreduce). */
uint64_t dist_summed_bytes(void);

#endif
