/*
 * metrics.h - ranking quality of top-K lists against one held-out item per
 * user (leave-one-out), for tt-eval and tt-fit: both call these functions,
 * so their numbers are equal exactly.
 *
 * For a user whose target sits at 0-based rank r of the recommended list:
 *	HR@K        1 if r < K
 *	NDCG@K      1 / log2(r + 2) if r < K
 *	MRR@K       1 / (r + 1) if r < K; "MRR" alone is MRR@Kmax, over the
 *	            whole list as far as the largest K asked
 *	coverage@K  distinct items in all users' first K entries / N
 * and 0 when the target is not there.  Each is averaged over the users
 * added (coverage: over the catalogue).  Hits are counted per rank, so the
 * result does not depend on the order in which users are added.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "prep.h"

#define METRICS_MAX_KS 16

typedef struct {
	int nks;
	int ks[METRICS_MAX_KS];   /* ascending */
	int kmax;
	int64_t n_items;          /* N */
	int64_t catalogue;        /* items the lists draw from, coverage's
	                           * denominator: N unless set after init */
	int64_t users;            /* users added */
	int64_t *hits_at;         /* (kmax) targets found at each rank */
	int32_t *best_rank;       /* (N) best rank each item was listed at */
} metrics;

typedef struct {
	int nks;
	int ks[METRICS_MAX_KS];
	double hr[METRICS_MAX_KS], ndcg[METRICS_MAX_KS], coverage[METRICS_MAX_KS];
	double mrr_at[METRICS_MAX_KS];
	double mrr;               /* MRR@Kmax */
	int64_t users;
} metrics_result;

/* ks: nks values in 1..2^20 (sorted and deduplicated here).  -1 with a
 * reason in err on bad arguments or no memory. */
int metrics_init(metrics *m, const int *ks, int nks, int64_t n_items,
	char *err, size_t errlen);
/* One user: list (len entries, best first; -1 entries and items outside
 * 0..N-1 are skipped for coverage) and the target item index.  A NULL
 * list counts as a miss. */
void metrics_add(metrics *m, const int32_t *list, int len, int32_t target);
void metrics_finish(const metrics *m, metrics_result *res);
void metrics_free(metrics *m);

/* Parse "1,5,10" into ks; returns the count or -1 (bad number, > max). */
int metrics_parse_ks(const char *s, int *ks, int max);

#endif
