/*
 * evaluate.h - ranking quality of a model on a split (leave-one-out or
 * temporal): for every user with targets in the split, the user vector
 * from the history before them, exact top-K over all items with the
 * user's earlier items excluded, then lib/metrics against the targets
 * (prep_targets).  tt-eval computes the same numbers from a recs stream
 * through the same topk and metrics code.
 */
#ifndef EVALUATE_H
#define EVALUATE_H

#include "metrics.h"
#include "model.h"
#include "prep.h"

enum split { SPLIT_VALID = 0, SPLIT_TEST = 1 };
/* The splits as people name them (tt-eval --split, tt-embed --at, the
 * streams' meta), the test split first: "test", "valid". */
extern const char *const split_names[2];

/* Where user u's slice of the split starts in p->items, -1 if it has
 * none: the user's history at the split is the row before it. */
int64_t split_target(const prep *p, int64_t u, int split);
/* How many users have targets in the split. */
int64_t split_users(const prep *p, int split);

/* The metrics at ks (nks values) of model m on the split.  threads for the
 * top-K search.  -1 with a reason in err, also when no user has a target
 * in the split. */
int evaluate(model *m, const prep *p, int split, const int *ks, int nks,
	int threads, metrics_result *res, char *err, size_t errlen);

#endif
