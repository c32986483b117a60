/* dist.c - one process, or (compiled with -DTT_MPI) the ranks of an MPI job. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "dist.h"

#ifdef TT_MPI
#include <mpi.h>

static int rank, size = 1, local_size = 1, initialised;
static char *input_bytes; /* dist_input's copy, alive while its stream is */
static uint64_t summed;    /* bytes given to dist_sum_* */

/* Started by mpirun (Open MPI's, or another PMI launcher's)? */
static int launched(void)
{
	return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

int dist_init(int *argc, char ***argv)
{
	MPI_Comm local;
	/* Outside mpirun, MPI_Init would start a runtime of its own (servers,
	 * shared memory, signal forwarding) for a job of one: not for a filter. */
	if (!launched())
		return 0;
	MPI_Init(argc, argv);
	initialised = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local);
	MPI_Comm_size(local, &local_size);
	MPI_Comm_free(&local);
	return 0;
}

void dist_finish(void)
{
	if (initialised)
		MPI_Finalize();
	initialised = 0;
	free(input_bytes);
	input_bytes = NULL;
}

uint64_t dist_summed_bytes(void) { return summed; }
int dist_rank(void) { return rank; }
int dist_size(void) { return size; }
int dist_local_size(void) { return local_size; }

/* MPI counts are ints: move big buffers in pieces. */
#define PIECE ((size_t)1 << 30)

static void bcast(void *buf, size_t n)
{
	for (size_t at = 0; at < n; at += PIECE)
		MPI_Bcast((char *)buf + at, (int)(n - at < PIECE ? n - at : PIECE), MPI_BYTE, 0,
			MPI_COMM_WORLD);
}

/* The whole of f in a new buffer; NULL with errno on failure. */
static char *slurp(FILE *f, size_t *n)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap), *nb;
	if (!buf)
		return NULL;
	for (;;) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		if (!(nb = realloc(buf, cap *= 2))) {
			free(buf);
			return NULL;
		}
		buf = nb;
	}
	if (ferror(f)) {
		free(buf);
		errno = errno ? errno : EIO;
		return NULL;
	}
	*n = len;
	return buf;
}

FILE *dist_input(FILE *in)
{
	if (size == 1)
		return in;
	uint64_t n = 0;
	if (rank == 0) {
		size_t len;
		if (!(input_bytes = slurp(in, &len)))
			return NULL;
		fclose(in);
		n = len;
	}
	MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	if (rank != 0 && !(input_bytes = malloc(n ? n : 1)))
		return NULL;
	bcast(input_bytes, n);
	/* an empty input is an empty stream, which fmemopen cannot make */
	return n ? fmemopen(input_bytes, n, "r") : fopen("/dev/null", "r");
}

void dist_sum_f32(float *x, size_t n)
{
	if (size == 1)
		return;
	summed += n * sizeof *x;
	for (size_t at = 0; at < n; at += PIECE / sizeof *x)
		MPI_Allreduce(MPI_IN_PLACE, x + at,
			(int)(n - at < PIECE / sizeof *x ? n - at : PIECE / sizeof *x),
			MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

void dist_sum_f64(double *x, size_t n)
{
	if (size == 1)
		return;
	summed += n * sizeof *x;
	MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

#else

/* Each of mpirun's processes would think itself alone and write a model. */
int dist_init(int *argc, char ***argv)
{
	const char *n = getenv("OMPI_COMM_WORLD_SIZE");
	(void)argc;
	(void)argv;
	return n && atoi(n) > 1 ? -1 : 0;
}

void dist_finish(void) {}
int dist_rank(void) { return 0; }
int dist_size(void) { return 1; }
int dist_local_size(void) { return 1; }
FILE *dist_input(FILE *in) { return in; }
void dist_sum_f32(float *x, size_t n) { (void)x; (void)n; }
void dist_sum_f64(double *x, size_t n) { (void)x; (void)n; }
uint64_t dist_summed_bytes(void) { return 0; }

#endif
