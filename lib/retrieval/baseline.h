/*
 * baseline.h - rankings that need no model, the bars a model must clear:
 * popularity (in training, or in the weeks before a cut-off), genre match
 * and random order.  tt-eval scores them through
 * lib/metrics like any recs stream.
 */
#ifndef BASELINE_H
#define BASELINE_H

#include <stdint.h>
#include "prep.h"

/*
 * The popularity baseline: items ranked by how often they occur in the
 * training interactions (count descending, index ascending).  order is
 * (N) and receives that ranking.  -1 when out of memory.
 */
int pop_order(const prep *p, int32_t *order);
/* Recent popularity, the temporal split's bar: the same ranking of the
 * interactions of every user whose time is in [from, to) (the weeks
 * before a cut-off), whichever slice they are in. */
int pop_order_recent(const prep *p, int64_t from, int64_t to, int32_t *order);
/* User u's top-K by popularity, skipping the items in seen (S, any order):
 * mark is (N) scratch that must be all 0 on entry and is left so. */
int pop_recommend(const int32_t *order, int64_t N, const int32_t *seen,
	int64_t S, uint8_t *mark, int K, int32_t *out);

/*
 * Genre match, the content baseline: an item's score for a history is the
 * cosine between the item's multi-hot genres and the history's genre
 * histogram (the sum of its items' genres); an item or a history without
 * genres scores 0.  profile is (G), filled from hist (H item indices);
 * p must have genres.
 */
void genre_profile(const prep *p, const int32_t *hist, int64_t H, double *profile);
double genre_match(const prep *p, const double *profile, int32_t item);

/*
 * User u's top-K of the candidates (C item indices): by score (C, higher
 * first; NULL ranks them all equal, the random baseline), equal scores in
 * an order drawn from (seed, user) alone, so neither item numbering nor
 * the order of users shows through.  Items whose exclude (N) byte is set
 * are skipped.  out (K) is padded with -1; returns how many it filled.
 */
int rank_candidates(const int32_t *cand, int64_t C, const double *score,
	uint64_t seed, int64_t user, const uint8_t *exclude, int K, int32_t *out);

#endif
