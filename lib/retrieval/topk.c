/* topk.c - exact top-K by inner product: tiled sgemm + a heap per row. */
#include "topk.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's own threads would fight ours: each of our threads runs a
 * single-threaded sgemm on its own tile. */
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);

/*
 * Tile sizes: an items tile is reused by TILE_USERS users before the next
 * one is loaded, and the TILE_USERS x TILE_ITEMS scores (2 MiB) are read
 * by the scan soon after the sgemm writes them.  Measured on 2 cores
 * (bench/topk.sh, d=64): 512 x 1024 was within noise of the best of
 * 64..2048 x 512..4096, and 2-5x faster than FAISS IndexFlatIP.
 */
#ifndef TILE_USERS
#define TILE_USERS 512
#endif
#ifndef TILE_ITEMS
#define TILE_ITEMS 1024
#endif
#define NO_ITEM INT32_MAX /* a heap slot not filled yet: worse than any item */

typedef struct {
	float s;
	int32_t i;
} entry;

typedef struct {
	float *scores; /* (TILE_USERS, TILE_ITEMS) */
	entry *heaps;  /* (tile_users, K) */
	/* with several threads: this thread's lists over its part of the
	 * items, when a call's users are one tile (split_items) */
	int32_t *part_items; /* (tile_users, K) */
	float *part_scores;  /* (tile_users, K) */
} thread_space;

struct topk_workspace {
	int max_k, threads;
	int64_t tile_users;   /* TILE_USERS, less when K is large */
	thread_space *ts; /* (threads) */
	char err[128];
};

/* The job of one call, shared by its threads. */
typedef struct {
	const float *users, *items;
	int64_t B, begin, end;
	int D, K;
	const int64_t *seen_offsets;
	const int32_t *seen;
	int32_t *out_items;
	float *out_scores;
	atomic_llong next_tile; /* next user tile to take */
	topk_workspace *ws;
} job;

static int tile_users_for(int max_k)
{
	int tu = TILE_USERS;
	while (tu > 1 && tu * max_k > (1 << 22))
		tu /= 2; /* heaps of at most 32 MiB a thread */
	return tu;
}

size_t topk_workspace_bytes(int max_k, int threads)
{
	size_t lists = threads > 1 ? 2 * sizeof(float) : 0;
	return (size_t)threads * (sizeof(float) * TILE_USERS * TILE_ITEMS +
		(sizeof(entry) + lists) * tile_users_for(max_k) * max_k);
}

topk_workspace *topk_workspace_new(int max_k, int threads)
{
	if (max_k < 1 || threads < 1)
		return NULL;
	topk_workspace *ws = calloc(1, sizeof *ws);
	if (!ws)
		return NULL;
	ws->max_k = max_k;
	ws->threads = threads;
	ws->tile_users = tile_users_for(max_k);
	ws->ts = calloc(threads, sizeof *ws->ts);
	if (!ws->ts)
		goto fail;
	for (int t = 0; t < threads; t++) {
		ws->ts[t].scores = malloc(sizeof(float) * TILE_USERS * TILE_ITEMS);
		ws->ts[t].heaps = malloc(sizeof(entry) * ws->tile_users * max_k);
		if (!ws->ts[t].scores || !ws->ts[t].heaps)
			goto fail;
		if (threads > 1) {
			size_t n = (size_t)ws->tile_users * max_k;
			ws->ts[t].part_items = malloc(n * sizeof *ws->ts[t].part_items);
			ws->ts[t].part_scores = malloc(n * sizeof *ws->ts[t].part_scores);
			if (!ws->ts[t].part_items || !ws->ts[t].part_scores)
				goto fail;
		}
	}
	return ws;
fail:
	topk_workspace_free(ws);
	return NULL;
}

void topk_workspace_free(topk_workspace *ws)
{
	if (!ws)
		return;
	for (int t = 0; ws->ts && t < ws->threads; t++) {
		free(ws->ts[t].scores);
		free(ws->ts[t].heaps);
		free(ws->ts[t].part_items);
		free(ws->ts[t].part_scores);
	}
	free(ws->ts);
	free(ws);
}

const char *topk_error(const topk_workspace *ws)
{
	return ws->err;
}

/* a ranks below b: lower score, or the same score and a larger index. */
static inline int worse(entry a, entry b)
{
	return a.s < b.s || (a.s == b.s && a.i > b.i);
}

/* Replace the root of a min-heap (worst first) and restore the order. */
static void heap_replace_root(entry *h, int K, entry e)
{
	int p = 0;
	for (;;) {
		int c = 2 * p + 1;
		if (c >= K)
			break;
		if (c + 1 < K && worse(h[c + 1], h[c]))
			c++;
		if (!worse(h[c], e))
			break;
		h[p] = h[c];
		p = c;
	}
	h[p] = e;
}

/* Four floats at once: SSE2 or NEON registers (GCC vector extension). */
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

/* Offer the scores of items base..base+n-1 to heap h.  Items come in
 * increasing index order, so an equal score never displaces the root;
 * the fast path skips 16 scores at once when none reaches the root. */
static void scan_row(entry *h, int K, const float *row, int64_t n, int64_t base)
{
	float thr = h[0].s;
	int64_t j = 0;
	for (; j + 16 <= n; j += 16) {
		v4f a, b, c, d;
		memcpy(&a, row + j, sizeof a);
		memcpy(&b, row + j + 4, sizeof b);
		memcpy(&c, row + j + 8, sizeof c);
		memcpy(&d, row + j + 12, sizeof d);
		v4i ge = (a >= thr) | (b >= thr) | (c >= thr) | (d >= thr);
		if (!((ge[0] | ge[1]) | (ge[2] | ge[3])))
			continue;
		for (int t = 0; t < 16; t++) {
			entry e = { row[j + t], (int32_t)(base + j + t) };
			if (e.s >= thr && worse(h[0], e)) {
				heap_replace_root(h, K, e);
				thr = h[0].s;
			}
		}
	}
	for (; j < n; j++) {
		entry e = { row[j], (int32_t)(base + j) };
		if (e.s >= thr && worse(h[0], e)) {
			heap_replace_root(h, K, e);
			thr = h[0].s;
		}
	}
}

static int cmp_better(const void *a, const void *b)
{
	entry x = *(const entry *)a, y = *(const entry *)b;
	return worse(y, x) ? -1 : worse(x, y) ? 1 : 0;
}

static void heap_output(entry *h, int K, int32_t *items, float *scores)
{
	qsort(h, K, sizeof *h, cmp_better);
	for (int k = 0; k < K; k++) {
		int filled = h[k].i != NO_ITEM;
		items[k] = filled ? h[k].i : -1;
		scores[k] = filled ? h[k].s : -INFINITY;
	}
}

/* One tile of users against every item tile of [begin, end). */
static void search_tile(job *jb, thread_space *ts, int64_t u0, int64_t bu)
{
	int D = jb->D, K = jb->K;
	entry empty = { -INFINITY, NO_ITEM };
	for (int64_t x = 0; x < bu * K; x++)
		ts->heaps[x] = empty;
	for (int64_t c0 = jb->begin; c0 < jb->end; c0 += TILE_ITEMS) {
		int64_t nc = jb->end - c0 < TILE_ITEMS ? jb->end - c0 : TILE_ITEMS;
		/* scores (bu,nc) = users[u0..] (bu,D) x items[c0..] (nc,D)^T,
		 * row-major, items transposed. */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)bu,
			(int)nc, D, 1.0f, jb->users + u0 * D, D,
			jb->items + c0 * D, D, 0.0f, ts->scores, (int)nc);
		for (int64_t r = 0; r < bu; r++) {
			float *row = ts->scores + r * nc;
			if (jb->seen_offsets) {
				const int64_t *o = jb->seen_offsets + u0 + r;
				for (int64_t s = o[0]; s < o[1]; s++) {
					int64_t it = jb->seen[s] - c0;
					if (it >= 0 && it < nc)
						row[it] = NAN; /* never reaches a heap */
				}
			}
			scan_row(ts->heaps + r * K, K, row, nc, c0);
		}
	}
	for (int64_t r = 0; r < bu; r++)
		heap_output(ts->heaps + r * K, K, jb->out_items + (u0 + r) * K,
			jb->out_scores + (u0 + r) * K);
}

static void run(job *jb, thread_space *ts)
{
	for (;;) {
		int64_t tu = jb->ws->tile_users;
		int64_t u0 = atomic_fetch_add(&jb->next_tile, tu);
		if (u0 >= jb->B)
			break;
		int64_t bu = jb->B - u0 < tu ? jb->B - u0 : tu;
		search_tile(jb, ts, u0, bu);
	}
}

typedef struct {
	job *jb;
	thread_space *ts;
} worker_arg;

static void *worker(void *p)
{
	worker_arg *a = p;
	run(a->jb, a->ts);
	return NULL;
}

/* One thread's part of split_items: its item range, into its lists. */
typedef struct {
	job jb;
	thread_space *ts;
} part_arg;

static void *part_worker(void *p)
{
	part_arg *a = p;
	search_tile(&a->jb, a->ts, 0, a->jb.B);
	return NULL;
}

/* Few users (one tile) over many items: each thread ranks a contiguous
 * part of the items, and the parts' lists merge into the same lists one
 * thread gives (the same order rule); a served query's latency falls
 * with the threads. */
static void split_items(const job *whole, int nt)
{
	topk_workspace *ws = whole->ws;
	int64_t n = whole->end - whole->begin;
	part_arg args[nt];
	pthread_t tid[nt];
	int ran[nt];
	for (int t = 0; t < nt; t++) {
		args[t] = (part_arg){ *whole, &ws->ts[t] };
		args[t].jb.begin = whole->begin + n * t / nt;
		args[t].jb.end = whole->begin + n * (t + 1) / nt;
		args[t].jb.out_items = ws->ts[t].part_items;
		args[t].jb.out_scores = ws->ts[t].part_scores;
		ran[t] = t > 0 && pthread_create(&tid[t], NULL, part_worker, &args[t]) == 0;
	}
	part_worker(&args[0]);
	for (int t = 1; t < nt; t++) {
		if (ran[t])
			pthread_join(tid[t], NULL);
		else /* no thread: this one does the part */
			part_worker(&args[t]);
	}
	const int32_t *lists[nt];
	const float *scores[nt];
	int K = whole->K;
	for (int64_t r = 0; r < whole->B; r++) {
		for (int t = 0; t < nt; t++) {
			lists[t] = ws->ts[t].part_items + r * K;
			scores[t] = ws->ts[t].part_scores + r * K;
		}
		topk_merge(lists, scores, nt, K, whole->out_items + r * K,
			whole->out_scores + r * K);
	}
}

int topk_search_range(const float *users, int64_t B, const float *items,
	int64_t begin, int64_t end, int D, int K, const int64_t *seen_offsets,
	const int32_t *seen, int32_t *out_items, float *out_scores,
	topk_workspace *ws)
{
	if (K < 1 || K > ws->max_k || D < 1 || B < 0 || begin < 0 ||
	    end < begin || end > INT32_MAX) {
		snprintf(ws->err, sizeof ws->err,
			"bad arguments: K=%d (workspace %d), D=%d", K, ws->max_k, D);
		return -1;
	}
	job jb = { .users = users, .items = items, .B = B, .begin = begin,
		.end = end, .D = D, .K = K, .seen_offsets = seen_offsets,
		.seen = seen, .out_items = out_items, .out_scores = out_scores,
		.ws = ws };
	atomic_init(&jb.next_tile, 0);
	int64_t tiles = (B + ws->tile_users - 1) / ws->tile_users;
	int64_t item_tiles = (end - begin) / TILE_ITEMS;
	if (tiles == 1 && ws->threads > 1 && item_tiles >= 2) {
		int blas_threads = openblas_get_num_threads();
		openblas_set_num_threads(1);
		split_items(&jb, ws->threads < item_tiles ? ws->threads : (int)item_tiles);
		openblas_set_num_threads(blas_threads);
		return 0;
	}
	int nt = ws->threads < tiles ? ws->threads : (int)tiles;
	if (nt <= 1) {
		run(&jb, &ws->ts[0]);
		return 0;
	}
	int blas_threads = openblas_get_num_threads();
	openblas_set_num_threads(1);
	pthread_t tid[nt];
	worker_arg args[nt];
	int started = 0;
	for (int t = 1; t < nt; t++) {
		args[t] = (worker_arg){ &jb, &ws->ts[t] };
		if (pthread_create(&tid[t], NULL, worker, &args[t]) != 0)
			break; /* fewer threads: the work still gets done */
		started = t;
	}
	run(&jb, &ws->ts[0]);
	for (int t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	openblas_set_num_threads(blas_threads);
	return 0;
}

int topk_search(const float *users, int64_t B, const float *items, int64_t N,
	int D, int K, const int64_t *seen_offsets, const int32_t *seen,
	int32_t *out_items, float *out_scores, topk_workspace *ws)
{
	return topk_search_range(users, B, items, 0, N, D, K, seen_offsets, seen,
		out_items, out_scores, ws);
}

void topk_unit_rows(const float *v, int64_t n, int D, float *out)
{
	for (int64_t i = 0; i < n; i++) {
		double ss = 0;
		for (int d = 0; d < D; d++)
			ss += (double)v[i * D + d] * v[i * D + d];
		float s = ss > 0 ? (float)(1 / sqrt(ss)) : 0;
		for (int d = 0; d < D; d++)
			out[i * D + d] = v[i * D + d] * s;
	}
}

void topk_merge(const int32_t *const *lists, const float *const *scores,
	int M, int K, int32_t *out_items, float *out_scores)
{
	int pos[M > 0 ? M : 1];
	memset(pos, 0, sizeof pos);
	int k = 0;
	while (k < K) {
		int best = -1;
		entry be = { -INFINITY, NO_ITEM };
		for (int m = 0; m < M; m++) {
			if (pos[m] >= K || lists[m][pos[m]] < 0)
				continue;
			entry e = { scores[m][pos[m]], lists[m][pos[m]] };
			if (best < 0 || worse(be, e)) {
				best = m;
				be = e;
			}
		}
		if (best < 0)
			break;
		pos[best]++;
		if (k > 0 && out_items[k - 1] == be.i)
			continue; /* the same item from another list */
		out_items[k] = be.i;
		out_scores[k] = be.s;
		k++;
	}
	for (; k < K; k++) {
		out_items[k] = -1;
		out_scores[k] = -INFINITY;
	}
}
