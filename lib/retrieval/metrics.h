/*
 * metrics.h - ranking quality of top-K lists against each user's targets
 * (one held-out item under leave-one-out, any number after a temporal
 * cut-off), for tt-eval and tt-fit: both call these functions, so their
 * numbers are equal exactly.
 *
 * For a user with the set T of distinct target items (t = |T|), whose
 * list has h(K) of them in its first K entries, the first at 0-based
 * rank f:
 *	HR@K        1 if h(K) > 0
 *	recall@K    h(K) / t
 *	precision@K h(K) / K
 *	NDCG@K      DCG / IDCG: the sum of 1 / log2(r + 2) over the ranks r < K
 *	            that hold a target, over the same sum for ranks 0 to
 *	            min(t, K) - 1 (every target first)
 *	MRR@K       1 / (f + 1) if f < K; "MRR" alone is MRR@Kmax, over the
 *	            whole list as far as the largest K asked
 *	coverage@K  distinct items in all users' first K entries / N
 * and 0 when no target is there.  With one target (t = 1) recall is HR,
 * precision HR / K and NDCG 1 / log2(f + 2).  Each is averaged over the
 * users added (coverage: over the catalogue).  Hits are counted per rank,
 * so the result does not depend on the order in which users are added;
 * the recall and NDCG of users of several targets are summed as they
 * come (tt-eval and tt-fit add users in index order).
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
	int64_t *first_at;        /* (kmax) users whose first hit is at each rank */
	int64_t *hits_at;         /* (kmax) targets found at each rank */
	int64_t *single_at;       /* (kmax) those of users with one target */
	double recall_sum[METRICS_MAX_KS]; /* users of several targets: their */
	double ndcg_sum[METRICS_MAX_KS];   /* recall@K and NDCG@K summed */
	int64_t multi;            /* users added with several targets */
	double *idcg;             /* (kmax + 1) DCG of targets at ranks 0..r-1 */
	int32_t *best_rank;       /* (N) best rank each item was listed at */
	uint8_t *is_target;       /* (N) scratch, all 0 between calls */
} metrics;

typedef struct {
	int nks;
	int ks[METRICS_MAX_KS];
	double hr[METRICS_MAX_KS], ndcg[METRICS_MAX_KS], coverage[METRICS_MAX_KS];
	double recall[METRICS_MAX_KS], precision[METRICS_MAX_KS];
	double mrr_at[METRICS_MAX_KS];
	double mrr;               /* MRR@Kmax */
	int64_t users;
	int64_t multi;            /* of them with several targets */
} metrics_result;

/* ks: nks values in 1..2^20 (sorted and deduplicated here).  -1 with a
 * reason in err on bad arguments or no memory. */
int metrics_init(metrics *m, const int *ks, int nks, int64_t n_items,
	char *err, size_t errlen);
/* One user: list (len entries, best first; -1 entries and items outside
 * 0..N-1 are skipped) and the target item index.  A NULL list counts as
 * a miss. */
void metrics_add(metrics *m, const int32_t *list, int len, int32_t target);
/* The same for the nt item indices of targets (T), repeats counted once;
 * nt 0 adds nothing. */
void metrics_add_targets(metrics *m, const int32_t *list, int len,
	const int32_t *targets, int64_t nt);
void metrics_finish(const metrics *m, metrics_result *res);
void metrics_free(metrics *m);

/* Parse "1,5,10" into ks; returns the count or -1 (bad number, > max). */
int metrics_parse_ks(const char *s, int *ks, int max);

#endif
