/*
 * rec.h - recommendations for a history that is not in the data: a model
 * stream loaded once (its item vectors computed at load), then for each
 * history the user tower and an exact top-K with the history's items
 * excluded.  What tt-rec serves; the answers are those of
 *	ml-prep -f seq --split none | tt-embed --users MODEL | tt-topk ITEMS
 * for the same history.
 *
 * Dimension letters: N items, E vector width, L history slots, K results,
 * S items in one history.
 */
#ifndef REC_H
#define REC_H

#include <stddef.h>
#include <stdint.h>
#include "embed_stream.h"
#include "model.h"
#include "topk.h"
#include "tts.h"

typedef struct {
	model *m;
	embed_items items;   /* (N,E) item vectors, original ids, titles or NULL */
	int max_k;
	int32_t *hist;       /* (L) one right-aligned history row */
	int32_t *seen;       /* (N) the history without repeats */
	uint32_t *last_query;/* (N) the query that last saw item i, for repeats */
	uint32_t query;
	float *user;         /* (E) */
	int32_t *excluded;   /* (N) items never recommended (rec_exclude), the first n_excluded */
	uint8_t *is_excluded; /* (N) */
	int64_t n_excluded;
	float *unit;         /* (N,E) the item vectors at unit length, for rec_similar */
	topk_workspace *ws;
} recommender;

/* Read a model stream; queries of up to max_k results, each searched on
 * threads threads.  The seed architecture is refused: its user tower
 * needs a trained user's own vector.  -1 with a one-line reason in err. */
int rec_open(recommender *r, tts_reader *in, int max_k, int threads, char *err,
	size_t errlen);
/* Item index item is never recommended, by rec_query or rec_similar.  -1
 * when out of memory. */
int rec_exclude(recommender *r, int32_t item);
void rec_close(recommender *r);
/* The item index of an original item id, -1 when the model lacks it. */
int64_t rec_item(recommender *r, int64_t id);
/*
 * Top k (<= max_k) items for the history items (S item indices, oldest
 * first).  A repeated item counts at its first place, as ml-prep keeps a
 * repeated (user, item) pair's first occurrence; the last L distinct items
 * feed the user tower and all of them are excluded.  Writes out_items (K,
 * -1 padded when fewer items remain) and out_scores (K).  An empty history
 * gives no vector to search with: every out_items is -1.  -1 when out of
 * memory.
 */
int rec_query(recommender *r, const int32_t *history, int64_t S, int k,
	int32_t *out_items, float *out_scores);
/* The same for items like the S items given (item indices): by cosine
 * to the sum of their unit vectors (tt-topk --similar's for one item),
 * the items themselves excluded. */
int rec_similar(recommender *r, const int32_t *items, int64_t S, int k,
	int32_t *out_items, float *out_scores);

#endif
