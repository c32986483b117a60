/*
 * build.h - from parsed interactions to a prep: filters, dense re-indexing,
 * per-user time order, repeats, the leave-one-out split, statistics.
 *
 * Order of the steps: --min-rating; per user a stable sort by timestamp
 * (input order breaks ties; formats without timestamps keep input order);
 * repeated (user, item) pairs keep their first occurrence in time; item
 * then user minimum counts (once, or until stable with k_core); users and
 * items that are left are numbered in increasing order of their original
 * id (so seq files with items 1..N keep item k at index k-1); the cold
 * items, when asked; the split.
 *
 * Cold items (cold_fraction > 0, loo split only): round(F * N) of the N
 * items, drawn uniformly by cold_seed, leave every history: a user's last
 * interaction stays as the test target even when its item is cold, and
 * the cold items before it are removed.  The split then runs as always on
 * what is left, so a user left with fewer than 3 interactions is training
 * only and loses a cold last item too; a user left with none is dropped.
 */
#ifndef BUILD_H
#define BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "prep.h"
#include "ratings.h"

enum { SPLIT_LOO, SPLIT_NONE };

typedef struct {
	int has_min_rating;
	double min_rating;
	int64_t min_item_count, min_user_count;
	int k_core, keep_repeats;
	int split;
	double cold_fraction;         /* 0: no cold items */
	uint64_t cold_seed;
	int has_rating, has_time; /* whether the rows carry them */
} build_options;

typedef struct {
	int64_t rows;                 /* interactions in */
	int64_t removed_rating;       /* by --min-rating */
	int64_t removed_repeats;
	int64_t removed_items, removed_item_inter; /* by --min-item-count */
	int64_t removed_users, removed_user_inter; /* by --min-user-count */
	int64_t rounds;               /* count filter passes */
	int64_t train, valid, test, train_only_users;
	int64_t cold_items;           /* items made cold */
	int64_t cold_removed;         /* interactions with them removed */
	int64_t cold_test_users;      /* users whose test target is cold */
	int64_t cold_train_only_users; /* users the removal left training only */
	int64_t cold_dropped_users;   /* users it left with nothing */
	int64_t hist_min, hist_median, hist_p90, hist_max;
} build_stats;

/* Builds p from rows, which it takes over: they are freed and emptied
 * (their memory may live on as p->times), whether or not it succeeds. */
int build_prep(rating_array *rows, const build_options *o, prep *p,
	build_stats *st, char *err, size_t errlen);

#endif
