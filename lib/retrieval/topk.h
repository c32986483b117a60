/*
 * topk.h - exact top-K by inner product, for tt-topk and tt-fit.
 *
 * Shapes use the dimension letters of dims.h: B users in one call, K
 * results per user, W seen entries; the vectors' width E is the argument D.
 *
 * Scores come from cblas_sgemm over tiles of users x items, so memory
 * stays bounded however many items there are; each row is reduced with a
 * size-K min-heap (never a full sort).  The order of a result is score
 * descending, then item index ascending: ties go to the smaller index, so
 * the output is deterministic and the same for any thread count.  Items
 * whose score is NaN are never returned.  When fewer than K items remain,
 * the list is padded with item -1 and score -INFINITY.
 */
#ifndef TOPK_H
#define TOPK_H

#include <stddef.h>
#include <stdint.h>

typedef struct topk_workspace topk_workspace;

/* Scratch for calls with up to max_k results, run on threads threads
 * (1 = the calling thread only).  NULL when out of memory. */
topk_workspace *topk_workspace_new(int max_k, int threads);
/* What topk_workspace_new allocates, for the message when it cannot. */
size_t topk_workspace_bytes(int max_k, int threads);
void topk_workspace_free(topk_workspace *ws);
/* Why the last call failed. */
const char *topk_error(const topk_workspace *ws);

/*
 * users is (B,E), items is (N,E), both row-major.  seen_offsets (B+1) and
 * seen (W) list, per user, item indices to exclude (any order, duplicates
 * and indices outside 0..N-1 are ignored); seen_offsets NULL excludes
 * nothing.  Writes out_items (B,K) and out_scores (B,K).  Returns 0, or -1
 * on bad arguments (K > max_k, D < 1).  No allocation.
 */
int topk_search(const float *users, int64_t B, const float *items, int64_t N,
	int D, int K, const int64_t *seen_offsets, const int32_t *seen,
	int32_t *out_items, float *out_scores, topk_workspace *ws);

/* The same over the item rows [begin, end) only, for sharding: indices in
 * the result are still indices into items (0..N-1). */
int topk_search_range(const float *users, int64_t B, const float *items,
	int64_t begin, int64_t end, int D, int K, const int64_t *seen_offsets,
	const int32_t *seen, int32_t *out_items, float *out_scores,
	topk_workspace *ws);

/* Rows of v (n,D) scaled to unit length into out (n,D; may be v): inner
 * products of them are cosines, which similar items are ranked by (an
 * item's norm carries its popularity, not its likeness).  A zero row
 * stays zero. */
void topk_unit_rows(const float *v, int64_t n, int D, float *out);

/*
 * Merge M ranked lists of one user (each K long, in the order above, -1
 * padded) into the best K with the same order: lists[m] and scores[m] for
 * m < M.  An item appearing in several lists is kept once.
 */
void topk_merge(const int32_t *const *lists, const float *const *scores,
	int M, int K, int32_t *out_items, float *out_scores);

#endif
