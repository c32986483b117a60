/*
 * model.h - the two-tower model: parameters, forward and backward over a
 * batch, the item and user vectors, Adam, and the model stream.
 *
 * Two user towers (dimension letters in dims.h):
 *   seed: the seed's design.  q = Wq u + bq from the user embedding u;
 *         keys and values from a separate history item table; masked
 *         multi-head attention of q over the row's slots up to t; output
 *         projection; concat(u, a) (2E) -> Linear F -> ReLU -> Linear E.
 *         Item tower: item table -> Linear F -> ReLU -> Linear E.
 *   tt:   a causal transformer over the history: item embedding + slot
 *         embedding, `blocks` pre-LN blocks of self-attention and a ReLU
 *         feed-forward of width F, final layer norm; the user vector is the
 *         output at slot t.  The history shares the item tower's table;
 *         the item tower is the embedding (plus an MLP with item_mlp).
 *         With rel_pos, each block's attention adds a learned bias by
 *         the key's distance back from the query (rel_bias), so that a
 *         slot's place means recency, wherever the query sits in the row.
 * Score = dot product of the two towers' E-vectors: retrieval stays an
 * inner-product search over item vectors that do not depend on the user.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "batch.h"
#include "prep.h"
#include "tts.h"

#define MAX_BLOCKS 8

enum arch { ARCH_SEED = 0, ARCH_TT = 1 };
const char *model_arch_name(int arch); /* "seed" or "tt", as --arch and the meta spell it */
enum loss { LOSS_SOFTMAX = 0, LOSS_SAMPLED = 1, LOSS_END };
/* The logits' products in training: float, or bf16 with float sums (bf16.h) */
enum precision { PRECISION_FP32 = 0, PRECISION_BF16 = 1, PRECISION_END };
/* The most threads a step or a forward pass splits into: a larger count
 * uses this many (and train.c says so). */
#define MODEL_THREADS_MAX 16

typedef struct {
	int arch;         /* enum arch */
	int64_t U, N;     /* users, items */
	int E, F, NH, L;  /* embedding, hidden, heads, history slots */
	int blocks;       /* tt: transformer blocks */
	int item_mlp;     /* tt: item tower MLP (seed: always) */
	int positions;    /* tt: slot embeddings */
	int rel_pos;      /* tt: a learned relative position bias in each block's
	                     attention (experimental; meta rel_pos=1, absent 0) */
	float dropout;    /* tt: dropout after embeddings, attention, feed-forward */
	/* Item features (model_features.c), 0 when absent: the item table's
	 * row i becomes the id part plus the mean of the item's genre
	 * embeddings, its year bucket's and the mean of its hashed title words'. */
	int genres;        /* G: genre embeddings */
	int year_buckets;  /* unknown, then FEATURE_YEAR_STEP-year buckets from FEATURE_YEAR_FROM */
	int title_buckets; /* hashed title-word embeddings */
	uint32_t title_seed;
	float id_dropout;  /* share of the items whose id part a training step drops */
	int item_vocab;    /* V: rows of the catalogue's feature columns (prep.h's
	                      side_columns), after the title words' */
	/* tt: user features (model_user.c), 0 when absent: the user vector
	 * gets a learned row for each of the user's gender, age band and
	 * occupation added, or with user_vocab the mean of its rows of each
	 * column of a users file of any shape (prep.h's side_columns). */
	int user_features;
	int user_vocab;   /* rows of user_feat_emb: the users file's values; 0 the fixed 73 */
} model_config;

#define USER_FEATURES 16      /* a user's rows at most: gender, age band and
                                 occupation, or its first 16 column values */
#define USER_FEATURE_ROWS 73  /* F, M; 7 age bands; occupation codes 0..63 */

#define FEATURE_YEAR_FROM 1900
#define FEATURE_YEAR_STEP 5
#define FEATURE_YEAR_BUCKETS 28 /* unknown, 1900-1904 .. 2025 and later */
#define FEATURE_TITLE_BUCKETS 4096
#define FEATURE_TITLE_SEED 0x9747b28cu
#define FEATURE_ID_DROPOUT 0.15f
/* A feature value fewer trained items share places no new item (as the
 * 5-core filter keeps no item of fewer ratings). */
#define FEATURE_MIN_ITEMS 5

/* Pointers into one flat buffer; the same struct names the gradients. */
typedef struct {
	float *ln1_g, *ln1_b;          /* (E) tt only */
	float *wq, *bq, *wk, *bk;      /* (E,E), (E) */
	float *wv, *bv, *wo, *bo;      /* (E,E), (E) */
	float *ln2_g, *ln2_b;          /* (E) tt only */
	float *ff1_w, *ff1_b;          /* (F,E), (F) tt only */
	float *ff2_w, *ff2_b;          /* (E,F), (E) tt only */
	float *rel_bias;               /* (NH,L) tt with rel_pos: attention score
	                                  bias by distance t-j of key j back from
	                                  query t; zero at the start */
} block_params;

typedef struct {
	float *user_emb;               /* (U,E) seed */
	float *hist_emb;               /* (N,E) seed: own table; tt: == item_emb */
	float *item_emb;               /* (N,E) */
	float *pos_emb;                /* (L,E) tt with positions */
	block_params blk[MAX_BLOCKS];
	float *lnf_g, *lnf_b;          /* (E) tt */
	float *ufc1_w, *ufc1_b;        /* (F,2E), (F) seed */
	float *ufc2_w, *ufc2_b;        /* (E,F), (E) seed */
	float *ifc1_w, *ifc1_b;        /* (F,E), (F) seed, tt with item_mlp */
	float *ifc2_w, *ifc2_b;        /* (E,F), (E) */
	/* item features: the genre, year, title-word and column tables, one
	 * after another, so that one row number reaches any of them */
	float *feat_emb;
	float *user_feat_emb;          /* (USER_FEATURE_ROWS,E) tt with user features */
} params;

typedef struct model model;

/* NULL with a reason in err when the configuration is impossible. */
model *model_new(const model_config *c, char *err, size_t errlen);
void model_free(model *m);
const model_config *model_cfg(const model *m);
size_t model_num_params(const model *m);
void model_init_weights(model *m, uint64_t seed);

/* Working memory for batches of up to B rows, split over threads (at
 * most MODEL_THREADS_MAX; allocated once, again only when B or threads
 * grow).  ERR_NOMEM (error.h) with what ran out in err. */
int model_train_alloc(model *m, int64_t B, int threads, char *err, size_t errlen);
/* The same for forward passes only (model_user_vectors). */
int model_infer_alloc(model *m, int64_t B, int threads);
/* The training loss (enum loss), before model_train_alloc(): LOSS_SAMPLED
 * draws M negatives from q for each step, shared by all its examples, and
 * corrects by q's log_q.  q is kept by the caller.  The default is
 * LOSS_SOFTMAX.  -1 (a loss without what it needs) or ERR_NOMEM. */
int model_set_loss(model *m, int loss, int64_t M, const sampler *q, char *err, size_t errlen);
/* Adam's moments, before the first model_adam(); ERR_NOMEM. */
int model_adam_alloc(model *m, char *err, size_t errlen);
/* The precision of the logits' products (enum precision), before
 * model_train_alloc(); PRECISION_FP32 at first.  -1 for bf16 on a CPU
 * without it. */
int model_set_precision(model *m, int precision, char *err, size_t errlen);

/* One batch: forward, loss, backward into the gradient buffer (zeroed
 * first).  Returns the mean loss over the batch's examples; *examples
 * gets their count.  rng drives dropout. */
double model_step_grad(model *m, const batch *bt, uint64_t *rng, int64_t *examples);
/* Data parallelism over the processes of a job (dist.h): each computes
 * part `part` of `parts` of every training batch, the rows shared as
 * among parts x threads workers (so 2 processes of 1 thread split a batch
 * as 1 of 2 threads does), and model_step_grad sums the gradients and the
 * loss over the processes: each gets the whole batch's. */
void model_set_parts(model *m, int part, int parts);
/* Adam(W) update from the gradients; ERR_NOMEM if its moments cannot be had. */
int model_adam(model *m, float lr, float beta1, float beta2, float eps,
	float weight_decay, int64_t step, char *err, size_t errlen);

/* Item vectors (N,E): the item tower over every item. */
int model_item_vectors(model *m, float *out);
/* User vectors (B,E) from right-aligned rows hist (B,L) (see batch.h), the
 * output at the last slot, in evaluation mode (no dropout). */
int model_user_vectors(model *m, const int32_t *users, const int32_t *hist,
	int64_t B, float *out);

/* The rows (USER_FEATURES, -1 for none) of user u's features in p's side
 * data (gender, age, occupation; none when p has no users file). */
void model_user_rows(const prep *p, int64_t u, int32_t rows[USER_FEATURES]);
/* The training users' features, for a model with user features: p's
 * side data, p the model's numbering.  Copied. */
int model_set_user_side(model *m, const prep *p, char *err, size_t errlen);
/* The rows of every user of p (U, USER_FEATURES) for model m: p's
 * gender, age and occupation, or its user columns' values mapped to the
 * model's by column and value name.  unknown gets the first value the
 * model lacks (left out), or "".  -1 out of memory. */
int model_users_rows(const model *m, const prep *p, int32_t *rows, char *unknown,
	size_t unknown_len);
/* The users file's columns a model has (C 0 for none): vocabulary only. */
const side_columns *model_user_columns(const model *m);
/* model_user_vectors for users outside the training data: rows (B,
 * USER_FEATURES) of model_user_rows, or NULL for none known.  A row of
 * no history gets its features' vector alone. */
int model_user_vectors_of(model *m, const int32_t *rows, const int32_t *hist, int64_t B,
	float *out);

static inline int model_has_features(const model_config *c)
{
	return c->genres || c->year_buckets || c->title_buckets || c->item_vocab;
}
/* The catalogue's feature columns a model has (C 0 for none): their
 * vocabulary names its rows, and a file of new items is read by them. */
const side_columns *model_item_columns(const model *m);
/* The items' side data, for a model with features: side's genres and
 * genre_names (G of them, as the model's), year and titles, each NULL
 * when the configuration has no such feature; seen (N) marks the items
 * whose id part was trained (NULL: every one): the others are placed by
 * their features alone, in training too.  Copied. */
int model_set_item_side(model *m, const prep *side, const uint8_t *seen, char *err, size_t errlen);
/* Vectors (n,E) of items given by side data (items: n_items, titles,
 * genres with its own genre_names matched by name, year, item_cols by
 * column and value name), through the item tower: the id part of the
 * model's item known[i] when that is >= 0 and seen, else the features
 * alone.  unknown gets the first genre or column value the model does
 * not know (left out), as "genre 'X'" or "brand 'Y'", or "".  -1 with a
 * reason in err. */
int model_side_item_vectors(model *m, const prep *items, const int32_t *known, float *out,
	char *unknown, size_t unknown_len, char *err, size_t errlen);

/* Warm start: a model of old's configuration for the users and items of
 * ids (a prep), its weights old's, the rows of users and items carried by
 * original id from old_ids (old's): a new user or item gets a fresh row
 * (seed's; an item of a feature model zero, its features placing it), a
 * vanished one is dropped.  NULL with a reason in err when no item is
 * carried (other data) or memory is short. */
typedef struct {
	int64_t users_kept, users_new, users_gone;
	int64_t items_kept, items_new, items_gone;
} model_carried;
model *model_carry(const model *old, const prep *old_ids, const prep *ids, uint64_t seed,
	model_carried *n, char *err, size_t errlen);

/* Flat access, for gradient checks and the optimiser. */
float *model_weights(model *m);
float *model_grads(model *m);
size_t model_num_tensors(const model *m);
/* Name, shape and offset of tensor i. */
const char *model_tensor(const model *m, size_t i, int *rank, uint64_t dims[2], size_t *offset);

/* The model stream (kind=model): meta with the configuration and the
 * training parameters in extra_meta, every weight by name, then the id
 * maps and titles of ids (a prep whose users/items the model was trained
 * on).  The caller writes the end record. */
int model_write(tts_writer *w, const model *m, const prep *ids, const char *extra_meta);
/* The model's identity: a fingerprint of its weights and ids, written in
 * its meta as model=<16 hex digits> and carried by every stream made from
 * it, so that streams of two models are never combined. */
uint64_t model_identity(const model *m, const prep *ids);
/* Read a whole model stream: a new model in *out and, in ids, the id maps
 * and titles (n_users, n_items, user_ids, item_ids, titles; the rest of
 * ids left empty; free with prep_free).  A stream of another kind, a
 * missing or misshapen weight is an error naming it. */
int model_read(tts_reader *r, model **out, prep *ids, char **meta, char *err, size_t errlen);
/* model_read of the model stream in f (its meta not kept), the reader
 * opened and closed here: a program's reading of a model file.  f stays
 * open, for the caller to close. */
int model_load(FILE *f, model **out, prep *ids, char *err, size_t errlen);
/* The configuration in a model stream's meta; -1 with a reason in err when
 * it is not a model's or a size is missing or out of range. */
int model_config_parse(const char *meta, model_config *c, char *err, size_t errlen);

#endif
