/*
 * tts-bench.c - tensor stream throughput, for bench/stream.sh.
 *   tts-bench write MB [LEVEL]  writes MB of f32 data (uncompressed) to stdout
 *   tts-bench read              reads a stream from stdin, checks it
 * Each prints "stream write MB/s: X" or "stream read MB/s: X" to stderr.
 * The data looks like model weights: small random floats, so the
 * mantissas are noise and only the exponents compress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tts.h"

#define ROWS 4096
#define COLS 64 /* one record: 4096 x 64 f32 = 1 MiB */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Data made before the clock starts, cycled: 8 MiB, beyond the zstd
 * window, so repeats do not compress. */
#define POOL 8

static int bench_write(long mb, int level)
{
	static float pool[POOL][ROWS * COLS];
	uint64_t state = 42, dims[2] = { ROWS, COLS };
	tts_writer *w = tts_writer_open(stdout, level);
	char err[256];
	if (!w)
		return perror("tts_writer_open"), 1;
	for (int p = 0; p < POOL; p++)
		for (size_t k = 0; k < ROWS * COLS; k++) {
			state = state * 6364136223846793005ULL + 1442695040888963407ULL;
			pool[p][k] = (float)((double)(state >> 40) / 16777216.0 - 0.5) * 0.1f;
		}
	double t0 = now();
	tts_write_meta(w, "kind=bench\nproducer=tts-bench\n");
	for (long i = 0; i < mb; i++)
		if (tts_write(w, "w", TTS_F32, 2, dims, pool[i % POOL]) < 0)
			break;
	if (tts_writer_close(w, err, sizeof err) < 0)
		return fprintf(stderr, "tts-bench: %s\n", err), 1;
	double dt = now() - t0;
	fprintf(stderr, "stream write MB/s: %.0f\n", (double)mb * 1.048576 / dt);
	return 0;
}

static int bench_read(void)
{
	static float x[ROWS * COLS];
	tts_reader *r = tts_reader_open(stdin);
	tts_header h;
	double t0 = now(), sum = 0;
	uint64_t bytes = 0;
	int rc;
	if (!r)
		return perror("tts_reader_open"), 1;
	while ((rc = tts_next(r, &h)) == 1) {
		if (strcmp(h.name, "w") != 0 || h.nbytes != sizeof x)
			continue;
		if (tts_read_data(r, x, sizeof x) < 0)
			break;
		sum += x[0];
		bytes += h.nbytes;
	}
	if (rc != 0)
		return fprintf(stderr, "tts-bench: %s\n", tts_reader_error(r)), 1;
	double dt = now() - t0;
	fprintf(stderr, "stream read MB/s: %.0f\n", (double)bytes / 1e6 / dt);
	tts_reader_close(r);
	return sum != sum; /* keep the reads */
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "write") == 0)
		return bench_write(atol(argv[2]), argc > 3 ? atoi(argv[3]) : 0);
	if (argc == 2 && strcmp(argv[1], "read") == 0)
		return bench_read();
	fprintf(stderr, "usage: tts-bench write MB [LEVEL] | tts-bench read\n");
	return 2;
}
