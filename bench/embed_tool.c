/*
 * embed_tool.c - helper of bench/topk.sh (built by it against lib/libtt.a).
 *   embed_tool random items|users N D SEED SEEN[/OF] OUT.tts OUT.f32
 *	random vectors in [-0.5, 0.5), ids 1..N; each user gets SEEN seen
 *	items drawn from item indices 0..OF-1
 *   embed_tool raw IN.tts OUT.f32
 *	the vectors of an embeddings stream as raw little-endian f32 (N,D),
 *	items in index order, users in stream order, for FAISS.
 *   embed_tool search ITEMS.tts USERS.tts K THREADS REPEAT
 *	the best time of REPEAT runs of lib/retrieval/topk.c's search alone
 *	over every user, seen items excluded, the vectors already in memory
 *	(as FAISS's search call is timed), in seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include "embed_stream.h"
#include "topk.h"

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fail(const char *what)
{
	fprintf(stderr, "embed_tool: %s\n", what);
	exit(1);
}

static void random_stream(int users, long n, int d, long seen_per_user,
	long n_items, const char *out, const char *raw)
{
	FILE *f = fopen(out, "wb"), *r = fopen(raw, "wb");
	if (!f || !r)
		fail("cannot create the output files");
	tts_writer *w = tts_writer_open(f, 1);
	if (!w || embed_write_meta(w, users, d, n, users ? n : 0, users ? "test" : NULL) < 0)
		fail("write failed");
	long group = users ? EMBED_GROUP_ROWS : n;
	embed_group g = { .dim = d };
	g.ids = malloc((group + 1) * sizeof *g.ids);
	g.index = malloc((group + 1) * sizeof *g.index);
	g.vectors = malloc(((size_t)group * d + 1) * sizeof *g.vectors);
	int64_t *off = malloc((group + 1) * sizeof *off);
	int32_t *seen = malloc(((size_t)group * seen_per_user + 1) * sizeof *seen);
	if (!g.ids || !g.index || !g.vectors || !off || !seen)
		fail("out of memory");
	for (long i0 = 0; i0 < n; i0 += group) {
		g.n = n - i0 < group ? n - i0 : group;
		off[0] = 0;
		for (long i = 0; i < g.n; i++) {
			g.ids[i] = i0 + i + 1;
			g.index[i] = (int32_t)(i0 + i);
			for (int x = 0; x < d; x++)
				g.vectors[i * d + x] =
					(float)((next_rand() >> 11) * 0x1.0p-53 - 0.5);
			for (long s = 0; s < seen_per_user; s++)
				seen[off[i] + s] = (int32_t)(next_rand() % n_items);
			off[i + 1] = off[i] + seen_per_user;
		}
		g.seen_offsets = users ? off : NULL;
		g.seen = users ? seen : NULL;
		if (embed_write_group(w, &g) < 0)
			fail("write failed");
		if (fwrite(g.vectors, sizeof(float), (size_t)g.n * d, r) !=
		    (size_t)g.n * d)
			fail("write failed");
	}
	char err[256];
	if (tts_writer_close(w, err, sizeof err) < 0 || fclose(f) || fclose(r))
		fail(err);
}

static void raw_stream(const char *in, const char *raw)
{
	FILE *f = fopen(in, "rb"), *r = fopen(raw, "wb");
	if (!f || !r)
		fail("cannot open the files");
	tts_reader *rd = tts_reader_open(f);
	embed_reader er;
	embed_group g = { 0 };
	if (!rd || embed_reader_open(&er, rd) < 0)
		fail(rd ? er.g.err : "out of memory");
	if (!er.users) {
		embed_items it;
		char err[256];
		tts_reader_close(rd);
		rewind(f);
		rd = tts_reader_open(f);
		if (embed_items_load(rd, &it, err, sizeof err) < 0)
			fail(err);
		if (fwrite(it.vectors, sizeof(float), (size_t)it.n * it.dim, r) !=
		    (size_t)it.n * it.dim)
			fail("write failed");
	} else {
		int rc;
		while ((rc = embed_read_group(&er, &g)) == 1)
			if (fwrite(g.vectors, sizeof(float), (size_t)g.n * g.dim, r) !=
			    (size_t)g.n * g.dim)
				fail("write failed");
		if (rc < 0)
			fail(er.g.err);
	}
	if (fclose(r))
		fail("write failed");
	printf("%d\n", er.dim);
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void search(const char *items_path, const char *users_path, int k,
	int threads, int repeat)
{
	char err[256];
	embed_items it;
	memset(&it, 0, sizeof it);
	FILE *f = fopen(items_path, "rb");
	tts_reader *r = f ? tts_reader_open(f) : NULL;
	if (!r || embed_items_load(r, &it, err, sizeof err))
		fail(items_path);
	tts_reader_close(r);
	fclose(f);
	/* every group of users, kept in memory */
	embed_reader er;
	embed_group g[64];
	int ng = 0;
	memset(g, 0, sizeof g);
	if (!(f = fopen(users_path, "rb")) || !(r = tts_reader_open(f)) ||
	    embed_reader_open(&er, r))
		fail(users_path);
	while (ng < 64 && embed_read_group(&er, &g[ng]) == 1)
		ng++;
	int64_t most = 0;
	for (int i = 0; i < ng; i++)
		most = g[i].n > most ? g[i].n : most;
	int32_t *top = malloc(most * k * sizeof *top);
	float *sc = malloc(most * k * sizeof *sc);
	topk_workspace *ws = topk_workspace_new(k, threads);
	if (!top || !sc || !ws)
		fail("out of memory");
	double best = 1e30;
	for (int rep = 0; rep < repeat; rep++) {
		double t0 = seconds();
		for (int i = 0; i < ng; i++)
			if (topk_search(g[i].vectors, g[i].n, it.vectors, it.n, it.dim, k,
				g[i].seen_offsets, g[i].seen, top, sc, ws))
				fail(topk_error(ws));
		double t = seconds() - t0;
		best = t < best ? t : best;
	}
	printf("%.3f\n", best);
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "search") == 0) {
		search(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
		return 0;
	}
	if (argc == 9 && strcmp(argv[1], "random") == 0) {
		rng = strtoull(argv[5], NULL, 10) * 2654435761ULL + 88172645463325252ULL;
		long seen = atol(argv[6]);
		/* SEEN is "count" or "count/of": seen items drawn from 0..of-1 */
		char *slash = strchr(argv[6], '/');
		long of = slash ? atol(slash + 1) : atol(argv[3]);
		random_stream(strcmp(argv[2], "users") == 0, atol(argv[3]),
			atoi(argv[4]), seen, of > 0 ? of : 1, argv[7], argv[8]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "raw") == 0) {
		raw_stream(argv[2], argv[3]);
		return 0;
	}
	fprintf(stderr, "usage: embed_tool random items|users N D SEED SEEN[/OF] "
		"OUT.tts OUT.f32\n       embed_tool raw IN.tts OUT.f32\n");
	return 2;
}
