/*
 * evaluate.h - leave-one-out ranking quality of a model: for every user
 * with a target in the split, the user vector from the history before the
 * target, exact top-K over all items with the user's earlier items
 * excluded, then lib/metrics.  tt-eval computes the same numbers from a
 * recs stream through the same topk and metrics code.
 */
#ifndef EVALUATE_H
#define EVALUATE_H

#include "metrics.h"
#include "model.h"
#include "prep.h"

enum split { SPLIT_VALID = 0, SPLIT_TEST = 1 };

/* Position of user u's target in p->items for the split, -1 if none. */
int64_t split_target(const prep *p, int64_t u, int split);

/* The metrics at ks (nks values) of model m on the split.  threads for the
 * top-K search.  -1 with a reason in err. */
int evaluate(model *m, const prep *p, int split, const int *ks, int nks,
	int threads, metrics_result *res, char *err, size_t errlen);

#endif
