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
 *
 * The temporal split (SPLIT_TIME; rows with times): one cut-off T for
 * every user, given as a time or as a share F of the interactions (then T
 * is the time of the interaction at place floor(F * Z) of all Z in time
 * order, so ties at T go after it), and the validation cut-off V < T,
 * by default as far before T as the last interaction is after it, or for
 * a share the same share before it (2F - 1).  Training is what came
 * before V, the validation slice [V, T), the test slice from T on (prep.h
 * says how they are stored).  A user with nothing before V has no history
 * to be scored by: the user and its interactions leave the data set
 * (st->no_history_users), its items stay in the catalogue.
 */
#ifndef BUILD_H
#define BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "prep.h"
#include "ratings.h"

enum { SPLIT_LOO, SPLIT_NONE, SPLIT_TIME };

/* A cut-off of the temporal split, as ml-prep's --cutoff takes it. */
enum { CUT_NONE, CUT_SHARE, CUT_TIME };
typedef struct {
	int kind;                     /* CUT_* */
	double share;                 /* CUT_SHARE: 0 < share < 1 */
	int64_t time;                 /* CUT_TIME: seconds, or ms when ms */
	int ms;
	const char *opt, *text;       /* the option and its text, for messages */
} time_cut;

/* Parse text as a cut-off: a share (0.9, .9, 90%: of the interactions,
 * before the cut) or a time in any syntax the ratings parser takes for
 * times, under its time unit rule (TIME_*).  -1 with a reason naming opt. */
int time_cut_parse(const char *opt, const char *text, int time_unit, time_cut *c,
	char *err, size_t errlen);

/* t (seconds, or milliseconds when ms) for people: ISO 8601 in UTC, then
 * the number, in buf (len). */
const char *build_time_text(int64_t t, int ms, char *buf, size_t len);

typedef struct {
	int has_min_rating;
	double min_rating;
	int64_t min_item_count, min_user_count;
	int k_core, keep_repeats;
	int split;
	double cold_fraction;         /* 0: no cold items */
	uint64_t cold_seed;
	int has_rating, has_time; /* whether the rows carry them */
	int time_ms;              /* the rows' times are milliseconds */
	time_cut cutoff, valid_cutoff; /* SPLIT_TIME; valid_cutoff CUT_NONE: the default */
	int targets_next;         /* SPLIT_TIME: each slice's first item the target */
} build_options;

typedef struct {
	int64_t rows;                 /* interactions in */
	int64_t removed_rating;       /* by --min-rating */
	int64_t removed_repeats;
	int64_t removed_items, removed_item_inter; /* by --min-item-count */
	int64_t removed_users, removed_user_inter; /* by --min-user-count */
	int64_t rounds;               /* count filter passes */
	int64_t train, valid, test, train_only_users; /* interactions; users with targets */
	int64_t valid_targets, test_targets;
	int64_t cutoff, valid_cutoff; /* SPLIT_TIME: the cut-offs, in the rows' unit */
	int64_t no_history_users;     /* SPLIT_TIME: users left out, nothing before V */
	int64_t no_history_inter;     /* and their interactions */
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
