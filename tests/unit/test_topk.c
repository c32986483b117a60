/*
 * test_topk.c - top-K against a brute-force full sort, the merge of
 * shards, the metrics on a hand-computed case, the pop baseline.
 *
 * With --write-embeddings DIR it writes the tiny fixture the CLI tests use
 * instead: DIR/items.tts, users.tts (two groups), users1.tts (one group),
 * users2.tts (users 100 and 200), many.tts (5000 users, no seen items),
 * users3.tts (D=3), prep.tts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "embed_stream.h"
#include "metrics.h"
#include "prep.h"
#include "topk.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- brute force ---- */

typedef struct {
	float s;
	int32_t i;
} cand;

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static int is_seen(const int64_t *off, const int32_t *seen, int64_t u, int32_t it)
{
	if (!off)
		return 0;
	for (int64_t s = off[u]; s < off[u + 1]; s++)
		if (seen[s] == it)
			return 1;
	return 0;
}

static void brute(const float *U, int64_t B, const float *I, int64_t N, int D,
	int K, const int64_t *off, const int32_t *seen, int32_t *items, float *scores)
{
	cand *c = malloc((N + 1) * sizeof *c);
	for (int64_t u = 0; u < B; u++) {
		int64_t n = 0;
		for (int64_t i = 0; i < N; i++) {
			if (is_seen(off, seen, u, (int32_t)i))
				continue;
			float s = 0;
			for (int d = 0; d < D; d++)
				s += U[u * D + d] * I[i * D + d];
			c[n++] = (cand){ s, (int32_t)i };
		}
		qsort(c, n, sizeof *c, cmp_cand);
		for (int k = 0; k < K; k++) {
			items[u * K + k] = k < n ? c[k].i : -1;
			scores[u * K + k] = k < n ? c[k].s : -INFINITY;
		}
	}
	free(c);
}

static float *random_matrix(int64_t rows, int D, int integer)
{
	float *m = malloc((rows * D + 1) * sizeof *m);
	for (int64_t x = 0; x < rows * D; x++)
		m[x] = integer ? (float)((int)(next_rand() % 5) - 2)
			: (float)((next_rand() % 2000001) / 1e6 - 1.0);
	return m;
}

/* Random seen lists: all items but the last for every fourth user, else
 * up to a third of the items with duplicates and out-of-range entries,
 * which must be ignored. */
static void random_seen(int64_t B, int64_t N, int64_t **off, int32_t **seen)
{
	*off = malloc((B + 1) * sizeof **off);
	*seen = malloc((B * (N + 3) + 1) * sizeof **seen);
	int64_t s = 0;
	(*off)[0] = 0;
	for (int64_t u = 0; u < B; u++) {
		int64_t n = (int64_t)(next_rand() % (N / 3 + 1));
		if (u % 4 == 0) {
			for (int64_t i = 0; i < N - 1; i++) /* leave one item */
				(*seen)[s++] = (int32_t)i;
		} else {
			for (int64_t j = 0; j < n; j++)
				(*seen)[s++] = (int32_t)(next_rand() % N);
			(*seen)[s++] = (int32_t)N + 5;
			(*seen)[s++] = -3;
		}
		(*off)[u + 1] = s;
	}
}

static void test_exact(int64_t B, int64_t N, int D, int K, int with_seen,
	int threads)
{
	float *U = random_matrix(B, D, 1), *I = random_matrix(N, D, 1);
	int64_t *off = NULL;
	int32_t *seen = NULL;
	if (with_seen)
		random_seen(B, N, &off, &seen);
	int32_t *gi = malloc(B * K * sizeof *gi), *bi = malloc(B * K * sizeof *bi);
	float *gs = malloc(B * K * sizeof *gs), *bs = malloc(B * K * sizeof *bs);
	topk_workspace *ws = topk_workspace_new(K, threads);
	int rc = topk_search(U, B, I, N, D, K, off, seen, gi, gs, ws);
	brute(U, B, I, N, D, K, off, seen, bi, bs);
	int64_t bad = -1;
	for (int64_t x = 0; x < B * K && bad < 0; x++)
		if (gi[x] != bi[x] || gs[x] != bs[x])
			bad = x;
	ok(rc == 0 && bad < 0, "B=%lld N=%lld D=%d K=%d seen=%d threads=%d: "
		"equal to a full sort", (long long)B, (long long)N, D, K, with_seen,
		threads);
	if (bad >= 0)
		diag("at %lld: got %d %g, want %d %g", (long long)bad, gi[bad],
			gs[bad], bi[bad], bs[bad]);

	/* Shards over contiguous item ranges, merged: the same lists. */
	int64_t cut1 = N / 3, cut2 = 2 * N / 3;
	int32_t *si[3];
	float *ss[3];
	int64_t cuts[4] = { 0, cut1, cut2, N };
	for (int m = 0; m < 3; m++) {
		si[m] = malloc(B * K * sizeof *si[m]);
		ss[m] = malloc(B * K * sizeof *ss[m]);
		topk_search_range(U, B, I, cuts[m], cuts[m + 1], D, K, off, seen,
			si[m], ss[m], ws);
	}
	int same = 1;
	for (int64_t u = 0; u < B; u++) {
		const int32_t *l[3] = { si[0] + u * K, si[1] + u * K, si[2] + u * K };
		const float *sc[3] = { ss[0] + u * K, ss[1] + u * K, ss[2] + u * K };
		int32_t mi[K];
		float ms[K];
		topk_merge(l, sc, 3, K, mi, ms);
		same &= memcmp(mi, gi + u * K, K * sizeof *mi) == 0 &&
			memcmp(ms, gs + u * K, K * sizeof *ms) == 0;
	}
	ok(same, "  three shards merged: equal to the whole");
	for (int m = 0; m < 3; m++) {
		free(si[m]);
		free(ss[m]);
	}
	topk_workspace_free(ws);
	free(U), free(I), free(off), free(seen);
	free(gi), free(bi), free(gs), free(bs);
}

/* Real-valued vectors: sgemm sums in another order than the brute force,
 * so compare the score at each rank, not the item. */
static void test_float(int64_t B, int64_t N, int D, int K)
{
	float *U = random_matrix(B, D, 0), *I = random_matrix(N, D, 0);
	int32_t *gi = malloc(B * K * sizeof *gi), *bi = malloc(B * K * sizeof *bi);
	float *gs = malloc(B * K * sizeof *gs), *bs = malloc(B * K * sizeof *bs);
	topk_workspace *ws = topk_workspace_new(K, 2);
	topk_search(U, B, I, N, D, K, NULL, NULL, gi, gs, ws);
	brute(U, B, I, N, D, K, NULL, NULL, bi, bs);
	double worst = 0;
	for (int64_t x = 0; x < B * K; x++)
		worst = fmax(worst, fabs(gs[x] - bs[x]));
	ok(worst < 1e-4, "float vectors B=%lld N=%lld D=%d: scores per rank "
		"within 1e-4 (%.2g)", (long long)B, (long long)N, D, worst);
	topk_workspace_free(ws);
	free(U), free(I), free(gi), free(bi), free(gs), free(bs);
}

static void test_errors(void)
{
	topk_workspace *ws = topk_workspace_new(5, 1);
	float v[4] = { 1, 2, 3, 4 };
	int32_t it[10];
	float sc[10];
	ok(topk_search(v, 1, v, 2, 2, 6, NULL, NULL, it, sc, ws) < 0 &&
		strstr(topk_error(ws), "K=6"), "K beyond the workspace: an error");
	ok(topk_search(v, 0, v, 2, 2, 5, NULL, NULL, it, sc, ws) == 0,
		"no users: nothing to do");
	ok(topk_search(v, 1, v, 0, 2, 3, NULL, NULL, it, sc, ws) == 0 &&
		it[0] == -1 && it[2] == -1 && isinf(sc[1]),
		"no items: the list is all padding");
	topk_workspace_free(ws);
}

/* Three users, targets at ranks 0, 2 and nowhere; N = 6. */
static void test_metrics(void)
{
	metrics m;
	metrics_result r;
	char err[128];
	int ks[] = { 3, 1 };
	int32_t l0[] = { 4, 1, 2 }, l1[] = { 1, 0, 5 }, l2[] = { 1, 2, 4 };
	ok(metrics_init(&m, ks, 2, 6, err, sizeof err) == 0, "metrics_init");
	metrics_add(&m, l0, 3, 4);
	metrics_add(&m, l1, 3, 5);
	metrics_add(&m, l2, 3, 0);
	metrics_finish(&m, &r);
	ok(r.nks == 2 && r.ks[0] == 1 && r.ks[1] == 3, "ks sorted: 1,3");
	ok(r.users == 3, "3 users");
	ok(fabs(r.hr[0] - 1.0 / 3) < 1e-12 && fabs(r.hr[1] - 2.0 / 3) < 1e-12,
		"HR@1 = 1/3, HR@3 = 2/3");
	ok(fabs(r.ndcg[0] - 1.0 / 3) < 1e-12 &&
		fabs(r.ndcg[1] - (1 + 1 / log2(4.0)) / 3) < 1e-12,
		"NDCG@1 = 1/3, NDCG@3 = (1 + 1/2)/3");
	ok(fabs(r.mrr - (1 + 1.0 / 3) / 3) < 1e-12 && r.mrr == r.mrr_at[1] &&
		fabs(r.mrr_at[0] - 1.0 / 3) < 1e-12, "MRR = MRR@3 = (1 + 1/3)/3, MRR@1 = 1/3");
	ok(fabs(r.coverage[0] - 2.0 / 6) < 1e-12 &&
		fabs(r.coverage[1] - 5.0 / 6) < 1e-12,
		"coverage@1 = 2/6, coverage@3 = 5/6");
	metrics_add(&m, NULL, 0, 2);
	metrics_finish(&m, &r);
	ok(r.users == 4 && fabs(r.hr[1] - 0.5) < 1e-12, "a missing list is a miss");
	metrics_free(&m);
	int kk[METRICS_MAX_KS];
	ok(metrics_parse_ks("1,5,10", kk, METRICS_MAX_KS) == 3 && kk[2] == 10,
		"parse 1,5,10");
	ok(metrics_parse_ks("1,,2", kk, METRICS_MAX_KS) < 0 &&
		metrics_parse_ks("0", kk, METRICS_MAX_KS) < 0 &&
		metrics_parse_ks("3x", kk, METRICS_MAX_KS) < 0, "refuse 1,,2 0 3x");
}

static void test_pop(void)
{
	int32_t order[] = { 2, 0, 1, 3 }, out[4];
	uint8_t mark[4] = { 0 };
	int32_t seen[] = { 0, 2 };
	int n = pop_recommend(order, 4, seen, 2, mark, 4, out);
	ok(n == 2 && out[0] == 1 && out[1] == 3 && out[2] == -1 && !mark[0] &&
		!mark[2], "pop_recommend skips seen, pads, clears marks");
}

static void test_rank_candidates(void)
{
	int32_t items[] = { 4, 1, 3, 0 }, out[4], again[4];
	double score[] = { 0.5, 0.9, 0.5, 0.1 };
	uint8_t exclude[5] = { 0, 0, 0, 1, 0 };
	int n = rank_candidates(items, 4, score, 1, 7, exclude, 4, out);
	ok(n == 3 && out[0] == 1 && out[1] == 4 && out[2] == 0 && out[3] == -1,
		"rank_candidates: by score, excluded skipped, padded");
	/* all equal: an order drawn from (seed, user), the same every time */
	exclude[3] = 0;
	rank_candidates(items, 4, NULL, 1, 7, exclude, 4, out);
	rank_candidates(items, 4, NULL, 1, 7, exclude, 4, again);
	int same = memcmp(out, again, sizeof out) == 0, differs = 0, sum = 0;
	for (int k = 0; k < 4; k++)
		sum += out[k];
	for (int64_t u = 0; u < 20; u++) {
		rank_candidates(items, 4, NULL, 1, u, exclude, 4, again);
		differs |= memcmp(out, again, sizeof out) != 0;
	}
	ok(same && differs && sum == 8, "rank_candidates: ties by (seed, user), reproducibly");
}

static void test_genre_match(void)
{
	/* items: {0}, {0,1}, {1}, {} over 2 genres */
	uint8_t genres[] = { 1, 0, 1, 1, 0, 1, 0, 0 };
	prep p = { .n_items = 4, .n_genres = 2, .genres = genres };
	int32_t hist[] = { 0, 1 };
	double prof[2];
	genre_profile(&p, hist, 2, prof);
	ok(prof[0] == 2 && prof[1] == 1, "genre_profile: the history's histogram");
	ok(fabs(genre_match(&p, prof, 0) - 2 / sqrt(5)) < 1e-12 &&
		fabs(genre_match(&p, prof, 1) - 3 / sqrt(10)) < 1e-12 &&
		fabs(genre_match(&p, prof, 2) - 1 / sqrt(5)) < 1e-12 &&
		genre_match(&p, prof, 3) == 0, "genre_match: cosine, 0 without genres");
}

/* ---- the CLI fixture ---- */

static int write_file(const char *dir, const char *name,
	int (*fill)(tts_writer *w))
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	tts_writer *w = tts_writer_open(f, 0);
	char err[256];
	if (!w || fill(w) < 0 || tts_writer_close(w, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", path, w ? err : "cannot open");
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Items 10..50, D=2; users 100, 200, 300.  Scores (see tests/t1500):
 *	u100 (1,0): 1 0 1 2 0    u200 (0,1): 0 1 1 0 0    u300 (1,2): 1 2 3 2 0 */
static int64_t fx_item_ids[] = { 10, 20, 30, 40, 50 };
static int32_t fx_index[] = { 0, 1, 2, 3, 4 };
static float fx_items[] = { 1, 0, 0, 1, 1, 1, 2, 0, 0, 0 };
static char *fx_titles[] = { "Alpha (1990)", "Beta", "Gamma\tthree", "Delta",
	"Epsilon" };
static int64_t fx_user_ids[] = { 100, 200, 300 };
static float fx_users[] = { 1, 0, 0, 1, 1, 2 };
/* Histories (valid, test last): u100 3 1 0, u200 4 0 2, u300 2 0 4 3;
 * seen = everything before the test item. */
static int64_t fx_offsets[] = { 0, 3, 6, 10 };
static int32_t fx_hist[] = { 3, 1, 0, 4, 0, 2, 2, 0, 4, 3 };
static int64_t fx_valid[] = { 1, 4, 8 }, fx_test[] = { 2, 5, 9 };
static int64_t fx_seen_off[] = { 0, 2, 4, 7 };
static int32_t fx_seen[] = { 3, 1, 4, 0, 2, 0, 4 };

static int fill_items(tts_writer *w)
{
	embed_group g = { .n = 5, .dim = 2, .ids = fx_item_ids, .index = fx_index,
		.vectors = fx_items, .titles = fx_titles };
	return embed_write_meta(w, 0, 2, 5, 0, NULL, 0, 0) < 0 ? -1
		: embed_write_group(w, &g);
}

static int fill_users(tts_writer *w)
{
	/* two groups, to exercise group boundaries */
	embed_group g1 = { .n = 2, .dim = 2, .ids = fx_user_ids, .index = fx_index,
		.vectors = fx_users, .seen_offsets = fx_seen_off, .seen = fx_seen };
	int64_t off2[] = { 0, 3 };
	embed_group g2 = { .n = 1, .dim = 2, .ids = fx_user_ids + 2,
		.index = fx_index + 2, .vectors = fx_users + 4, .seen_offsets = off2,
		.seen = fx_seen + 4 };
	if (embed_write_meta(w, 1, 2, 3, 3, "test", 0, 0) < 0 ||
	    embed_write_group(w, &g1) < 0 || tts_flush(w) < 0)
		return -1;
	return embed_write_group(w, &g2);
}

/* 5000 users (ids 1..5000) in two groups, enough output to fill a pipe. */
static int fill_many(tts_writer *w)
{
	enum { N = 5000 };
	static int64_t ids[N];
	static int32_t index[N];
	static float v[2 * N];
	for (int i = 0; i < N; i++) {
		ids[i] = i + 1;
		index[i] = i;
		v[2 * i] = (float)(i % 7) - 3;
		v[2 * i + 1] = (float)(i % 5) - 2;
	}
	embed_group g1 = { .n = EMBED_GROUP_ROWS, .dim = 2, .ids = ids,
		.index = index, .vectors = v };
	embed_group g2 = { .n = N - EMBED_GROUP_ROWS, .dim = 2,
		.ids = ids + EMBED_GROUP_ROWS, .index = index + EMBED_GROUP_ROWS,
		.vectors = v + 2 * EMBED_GROUP_ROWS };
	return embed_write_meta(w, 1, 2, N, N, "test", 0, 0) < 0 ||
		embed_write_group(w, &g1) < 0 ? -1 : embed_write_group(w, &g2);
}

/* Users 100 and 200 only. */
static int fill_users2(tts_writer *w)
{
	embed_group g = { .n = 2, .dim = 2, .ids = fx_user_ids, .index = fx_index,
		.vectors = fx_users, .seen_offsets = fx_seen_off, .seen = fx_seen };
	return embed_write_meta(w, 1, 2, 2, 2, "test", 0, 0) < 0 ? -1
		: embed_write_group(w, &g);
}

/* The same users in one group. */
static int fill_users1(tts_writer *w)
{
	embed_group g = { .n = 3, .dim = 2, .ids = fx_user_ids, .index = fx_index,
		.vectors = fx_users, .seen_offsets = fx_seen_off, .seen = fx_seen };
	return embed_write_meta(w, 1, 2, 3, 3, "test", 0, 0) < 0 ? -1
		: embed_write_group(w, &g);
}

static int fill_users3(tts_writer *w)
{
	float v[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
	embed_group g = { .n = 3, .dim = 3, .ids = fx_user_ids, .index = fx_index,
		.vectors = v };
	return embed_write_meta(w, 1, 3, 3, 3, "test", 0, 0) < 0 ? -1
		: embed_write_group(w, &g);
}

static int fill_prep(tts_writer *w)
{
	prep p;
	memset(&p, 0, sizeof p);
	p.n_users = 3;
	p.n_items = 5;
	p.n_inter = 10;
	p.user_ids = fx_user_ids;
	p.item_ids = fx_item_ids;
	p.offsets = fx_offsets;
	p.items = fx_hist;
	p.valid = fx_valid;
	p.test = fx_test;
	p.titles = fx_titles;
	return prep_write(w, &p, NULL);
}

static int write_fixture(const char *dir)
{
	if (write_file(dir, "items.tts", fill_items) < 0 ||
	    write_file(dir, "users.tts", fill_users) < 0 ||
	    write_file(dir, "users1.tts", fill_users1) < 0 ||
	    write_file(dir, "users2.tts", fill_users2) < 0 ||
	    write_file(dir, "many.tts", fill_many) < 0 ||
	    write_file(dir, "users3.tts", fill_users3) < 0 ||
	    write_file(dir, "prep.tts", fill_prep) < 0) {
		fprintf(stderr, "test_topk: cannot write the fixture in %s\n", dir);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-embeddings") == 0)
		return write_fixture(argv[2]);
	int64_t Bs[] = { 1, 7, 130, 300 }, Ns[] = { 1, 5, 40, 1100, 2100 };
	int Ds[] = { 1, 3, 16 }, Ks[] = { 1, 3, 10, 50 };
	int cases = 0;
	for (int b = 0; b < 4; b++)
		for (int n = 0; n < 5; n++) {
			int D = Ds[(b + n) % 3], K = Ks[(b * 5 + n) % 4];
			test_exact(Bs[b], Ns[n], D, K, (b + n) % 2, 1 + (n % 2));
			cases++;
		}
	test_exact(200, 60, 4, 100, 1, 2); /* K > N */
	test_exact(260, 3000, 8, 10, 1, 3);
	test_exact(1100, 1500, 8, 5, 1, 2); /* several user tiles */
	/* one user tile over many items: the threads split the items */
	test_exact(1, 5000, 16, 10, 1, 2);
	test_exact(7, 4100, 3, 50, 0, 3);
	test_exact(200, 3000, 8, 10, 1, 2);
	test_exact(3, 2048, 4, 1, 1, 8);
	test_float(150, 2500, 32, 10);
	test_errors();
	test_metrics();
	test_pop();
	test_rank_candidates();
	test_genre_match();
	return done();
}
