/*
 * model_impl.h - what the files of the model share, private to them:
 *   model.c         the parameter table: tensors, their layout and start
 *   model_memory.c  working memory: activations, gradients, in one block each
 *   model_towers.c  the towers' forward and backward passes
 *   model_workers.c a training step over threads and processes
 *   model_adam.c    the optimiser
 *   model_infer.c   item and user vectors
 *   model_stream.c  the model stream
 *   model_features.c the item features: side data into the item table
 *   model_user.c    the user features: side data into the user vector
 * Shapes use the letters of dims.h; a share's activations are allocated
 * for S = B*L slots and T = B*L examples, the most a batch of B rows has.
 */
#ifndef MODEL_IMPL_H
#define MODEL_IMPL_H

#include "error.h"
#include "layers.h"
#include "model.h"

#define MAX_TENSORS (8 + BLOCK_TENSORS * MAX_BLOCKS + 12)
#define BLOCK_TENSORS 17 /* a block's tensors at most: 16, and rel_bias */
#define MAX_THREADS MODEL_THREADS_MAX
#define LOGIT_CHUNK 512 /* rows of logits held at once: (512,N) floats */
/* A matrix product's rounding depends on how many rows it is given, so the
 * item tower takes its rows in chunks of this many, counted from item 0:
 * the item vectors are the same however many workers compute them. */
#define ITEM_CHUNK 256

enum tensor_init { INIT_EMB, INIT_LINEAR, INIT_ONE, INIT_ZERO };

typedef struct {
	const char *name;
	int rank;
	uint64_t dims[2];
	size_t offset;       /* in floats */
	int init;            /* enum tensor_init */
	int fan_in;          /* INIT_LINEAR's bound is 1/sqrt(fan_in) */
} tensor_spec;

/* One block of the tt tower.  In inference the last block computes only
 * k and v over every slot, the rest at the T examples. */
typedef struct {
	float *x;            /* (S,E) block input */
	float *ln1;          /* (S,E) */
	float *mean1, *rstd1; /* (S) */
	float *q, *k, *v;    /* (S,E) */
	float *a;            /* (S,E) attention output */
	float *att;          /* (NH,n,n) per row of n slots: attention weights */
	float *ao;           /* (S,E) output projection, after dropout */
	uint8_t *mask_a;     /* (S,E) */
	float *xm;           /* (S,E) x + ao */
	float *ln2;          /* (S,E) */
	float *mean2, *rstd2; /* (S) */
	float *f1;           /* (S,F) feed-forward hidden, after ReLU */
	float *f2;           /* (S,E) feed-forward output, after dropout */
	uint8_t *mask_f;     /* (S,E) */
} block_acts;

/* The gradients of one tt block's activations, reused by every block. */
typedef struct {
	float *df2;          /* (S,E) feed-forward output, before dropout */
	float *df1;          /* (S,F) feed-forward hidden: after ReLU, then before (in place) */
	float *dln2;         /* (S,E) */
	float *dao;          /* (S,E) output projection, before dropout */
	float *da;           /* (S,E) attention output */
	float *dq, *dk, *dv; /* (S,E) */
	float *dln1;         /* (S,E) */
} block_grads;

/* A worker's activations and their gradients over its share of a batch:
 * pointers into one block of memory (mem). */
typedef struct {
	void *mem;
	int64_t B;           /* capacity in rows */
	/* the share's filled slots, stored without padding: row b is the
	 * slots off[b]..off[b+1]-1 of every (S,...) activation */
	int64_t S;
	int64_t *off;        /* (B+1) */
	int64_t *att_off;    /* (B+1) where row b's attention weights start */
	int32_t *slot_item;  /* (S) item in the slot */
	int32_t *slot_row;   /* (S) batch row of the slot */
	int32_t *slot_pos;   /* (S) position 0..L-1 of the slot in its padded row */
	/* the share's examples: slots with a target */
	int32_t *rows;       /* (T) slot of each example */
	int32_t *tgt;        /* (T) target of each example */
	int32_t *ubatch;     /* (T) batch row of each example */
	int32_t *tpad;       /* (T) index b*L+t of each example in the padded batch */
	int64_t *first;      /* (T) first slot of each example's row */
	float *z;            /* (T,E) user vectors: the user tower's output */

	/* seed tower */
	float *x, *k, *v;    /* (S,E) history embeddings, keys, values */
	float *u, *qu;       /* (B,E) user embeddings, their queries */
	float *q;            /* (S,E) the row's query in each slot */
	float *a;            /* (S,E) attention output */
	float *att;          /* (NH,n,n) per row of n slots: attention weights */
	float *ag;           /* (T,E) attention output at the examples */
	float *o;            /* (T,E) ag projected */
	float *c;            /* (T,2E) [u | o] */
	float *h1;           /* (T,F) after ReLU */

	/* tt tower */
	float *emb;          /* (S,E) item and slot embeddings, before dropout */
	uint8_t *mask0;      /* (S,E) dropout of emb */
	block_acts blk[MAX_BLOCKS];
	float *out;          /* (S,E) the last block's output */
	float *xf;           /* (T,E) out at the examples */
	float *meanf, *rstdf; /* (T) final layer norm */
	float *qscratch;     /* (L) inference attention of one query */

	/* training only: the loss */
	float *dz;           /* (T,E) */
	float *div;          /* (N,E) item vectors' gradient from this share,
	                        with an item MLP */
	float *logits;       /* (LOGIT_CHUNK,N) softmax, (SHARED_CHUNK,M) sampled */
	bf16_work bw;        /* the bf16 products' buffers, instead of logits */
	float *vn, *dvn;     /* (M,E) sampled: the shared negatives' vectors */
	/* training only: the seed tower's gradients */
	float *dh1, *dh1_pre; /* (T,F) after, before ReLU */
	float *dc;           /* (T,2E) */
	float *dproj;        /* (T,E) of o */
	float *dag;          /* (T,E) */
	float *da;           /* (S,E) */
	float *dq, *dk, *dv; /* (S,E) */
	float *dqu, *du;     /* (B,E) */
	float *dhist;        /* (S,E) history embeddings */
	/* training only: the tt tower's gradients */
	float *dxf;          /* (T,E) */
	float *dx;           /* (S,E) the input of the block at hand */
	block_grads bg;
	float *demb;         /* (S,E) */
	float *scratch;      /* (L,L) attention backward of one row */
} acts;

/* The item table's rows that a training step touches (its histories,
 * targets and negatives), when that is not every row: with a sampled
 * loss, no item MLP and no features, a step's cost must not grow with the
 * catalogue, so only these rows are zeroed, summed, exchanged and updated
 * (lazy Adam: an untouched row keeps its weights and moments). */
typedef struct {
	int on;
	size_t off;          /* where item_emb starts in the flat parameters */
	int32_t *rows;       /* (N) this step's, the first n */
	int32_t *prev;       /* (N) the last step's, the first n_prev */
	int64_t n, n_prev;
	uint32_t *stamp;     /* (N) the step that last listed each row */
	uint32_t step;
	float *pack;         /* (N,E) the rows packed for the sum over processes */
} touched_rows;

/* A thread's share of a batch: its rows' activations and gradients. */
typedef struct {
	acts a;
	float *g;            /* gradients of this share, the layout of model.w */
	params dp;
	/* the job */
	struct model *m;
	const int32_t *users, *hist, *targets; /* this share's rows */
	int64_t B, T;
	float scale;         /* 1 / examples in the whole batch */
	uint64_t rng;
	double loss;
	int train;
	int id;              /* 0..nworkers-1: which slice of shared work */
} worker;

/* Item features (model_features.c): each item's feature rows, and the
 * table that stands in for item_emb while a pass runs. */
typedef struct {
	int32_t G;
	char **genre_names;  /* (G) */
	uint8_t *genres;     /* (N,G) or NULL */
	int32_t *year;       /* (N) or NULL */
	side_columns cols;   /* (N entities) the catalogue's columns, C 0 if none */
	uint8_t *seen;       /* (N) the id part was trained */
	int64_t *off;        /* (N+1) item i's feature rows are row[off[i]..off[i+1]) */
	int32_t *row;        /* rows of feat_emb */
	float *wt;           /* their weights: the means' 1/count */
	int32_t rows;        /* of feat_emb */
	int32_t *support;    /* (rows) how many seen items have each row */
	uint8_t *keep;       /* (N) this pass keeps the item's id part */
	float *table;        /* (N,E) id part + features: the item table of a pass */
	float *item_emb;     /* the id table while table stands in for it */
} item_features;

struct model {
	model_config c;
	size_t n_params, n_tensors;
	tensor_spec spec[MAX_TENSORS];
	float *w, *g, *m1, *m2; /* weights, gradients, Adam moments: same layout */
	params p, dp;
	int nworkers;
	worker wk[MAX_THREADS];
	struct worker_pool *pool; /* the workers' threads (model_workers.c) */
	int part, parts;     /* this process's part of each training batch, of parts */
	int64_t capacity;    /* rows each worker's activations hold */
	int trainable;       /* the workers hold what training needs too */
	/* the item MLP over every item, shared by the workers: one block */
	void *item_mem;
	float *ih;           /* (N,F) hidden, after ReLU */
	float *iv;           /* (N,E) item vectors */
	float *div;          /* (N,E) their gradient, summed over the workers */
	float *dih, *dih_pre; /* (N,F) after, before ReLU */
	const float *iv_now; /* this step's item vectors: iv or the table */
	int loss;            /* enum loss */
	int precision;       /* enum precision */
	int64_t M;           /* sampled: negatives shared by a step */
	const sampler *q;    /* what negatives are drawn from, or NULL */
	int32_t *neg;        /* (M) sampled: this step's shared negatives */
	touched_rows tr;
	struct { float lr, beta1, beta2, eps, wd, c1, c2; } adam; /* this step's */
	item_features feat;
	int32_t *ufeat;      /* (U,USER_FEATURES) the training users' feature rows */
	const int32_t *urows; /* the rows a pass's users index: ufeat, or a caller's */
	side_columns ucols;  /* user_vocab: the users file's columns, vocabulary only */
};

/* model.c */
void point(model *m, params *p, float *base);
void add_tensor(model *m, const char *name, int rank, uint64_t d0, uint64_t d1,
	int init, int fan_in);

/* model_user.c: z += the users' feature rows, and the rows' gradient */
void user_features_forward(const model *m, const worker *wk);
void user_features_backward(const model *m, worker *wk);

/* model_features.c: nothing without features */
void features_layout(model *m);
int features_alloc(model *m);
void features_free(model *m);
/* Put the item table (id part, dropped for some items with rng, none
 * without, + features) in place of item_emb for a pass. */
void features_begin(model *m, uint64_t *rng);
/* After a training step's gradient sum: item_emb's gradient, the item
 * table's, into the features' and the kept id parts'; then item_emb back. */
void features_backward(model *m);
/* item_emb back, after an inference pass. */
void features_end(model *m);
int features_meta(const model *m, char *buf, size_t len);
/* model_new in two steps: the configuration checked and the tensors laid
 * out, nothing allocated for them; then their memory (-1 and err when
 * out of it).  model_read allocates only once a weight's header agrees
 * with the meta, so a meta that lies costs nothing. */
model *model_plan(const model_config *c, char *err, size_t errlen);
int model_alloc(model *m, char *err, size_t errlen);
/* An optional key=value of the meta: 0 (and *v = 0) when absent, -1 with
 * err when not a number (finite, for floats) in lo..hi. */
int meta_long(const char *meta, const char *key, long long lo, long long hi,
	long long *v, char *err, size_t errlen);
int meta_float(const char *meta, const char *key, double lo, double hi,
	double *v, char *err, size_t errlen);
int features_parse(const char *meta, model_config *c, char *err, size_t errlen);
int features_write(tts_writer *w, const model *m);
/* 1 if h is a feature record (read), 0 if not, -1 with err. */
int features_read_record(tts_reader *r, const tts_header *h, model *m, char *err, size_t errlen);
/* After every record: the feature rows from what was read and the titles. */
int features_loaded(model *m, char **titles, char *err, size_t errlen);
static inline int has_item_mlp(const model_config *c)
{
	return c->arch == ARCH_SEED || c->item_mlp;
}

/* model_memory.c */
/* At most MAX_THREADS workers; ERR_NOMEM with what ran out in err. */
int alloc_workers(model *m, int64_t B, int threads, int train, char *err, size_t errlen);
void free_workers(model *m);
void touched_free(touched_rows *tr);

/* model_towers.c */
/* The user tower over a worker's rows: z (T,E) for its examples. */
void user_forward(model *m, worker *wk);
/* Back from dz into the worker's gradients. */
void user_backward(model *m, worker *wk);
/* The item MLP over items [lo, hi), lo a multiple of ITEM_CHUNK: rows
 * lo..hi-1 of ih (N,F) and iv (N,E). */
void item_forward(const model *m, float *ih, float *iv, size_t lo, size_t hi);
/* Back from m->div over items [lo, hi) into the gradients dp. */
void item_backward(model *m, params *dp, size_t lo, size_t hi);

/* model_workers.c */
/* Worker wk's slice [*lo, *hi) of n things. */
void slice(const worker *wk, size_t n, size_t *lo, size_t *hi);
/* Run fn on every worker, on threads. */
void run_workers(model *m, void *(*fn)(void *));
void pool_stop(model *m); /* the workers' threads end */
/* Zero, sum and update: the dense parameters and, with tr.on, the
 * touched rows of the item table, as spans of the flat parameters. */
typedef void span_fn(model *m, worker *wk, size_t lo, size_t hi);
void for_each_span(model *m, worker *wk, span_fn *fn);
/* Share B rows out to the workers and lay out their slots; returns the
 * examples in all shares (see model_workers.c). */
int64_t share_rows(model *m, const int32_t *users, const int32_t *hist,
	const int32_t *targets, int64_t B, int train, uint64_t *rng);

#endif
