/* train.c - the training policy and the loop over epochs (train.h). */
#include "train.h"
#include "bf16.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "dist.h"
#include "error.h"
#include "prof.h"

const char *const train_schedule_names[SCHED_END] = { "constant", "linear", "plateau" };
const char *const train_loss_names[LOSS_END] = { "softmax", "sampled" };
const char *const train_precision_names[PRECISION_END] = { "fp32", "bf16" };

/*
 * The tt defaults follow the data: how many training examples name each
 * item, on average, tells two regimes apart.  An item's row of the table
 * (most of the model) learns from the examples that name it; with
 * hundreds (ML-1M 287, ML-25M about 420) light dropout, decayed over a
 * fixed number of epochs, fits them; with ten or so (the Amazon 5-core
 * sets: Toys 9.2, Sports 10.3) the same model memorises its rows in a few
 * epochs, and what holds is how sparse ratings are regularised: heavy
 * dropout (SASRec's 0.5 on them), weight decay (the L2 prior of matrix
 * factorisation: a row keeps what its few examples support, not its
 * random start), and training for as long as the validation split
 * improves.  The model's shape is the same for both: with the decay, a
 * smaller one (one block of one head) no longer earns its place.
 * tt-fit(1) has the figures.
 */
typedef struct {
	const char *name;
	float dropout, weight_decay;
	int schedule, epochs; /* the sparse schedule: without a validation split, constant */
} regime;
static const regime dense = { "dense", 0.1f, 0.0f, SCHED_LINEAR, 24 };
static const regime sparse = { "sparse", 0.5f, 0.3f, SCHED_PLATEAU, TRAIN_SPARSE_EPOCHS };

static void say(train_note_fn note, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(train_note_fn note, void *ctx, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	if (!note)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	note(ctx, line);
}

/* The seed's own recipe (../shared/seed), where the options gave none. */
static void choose_seed_recipe(train_options *o)
{
	model_config *c = &o->cfg;
	if (!c->F) c->F = 128;
	c->blocks = 1;
	c->dropout = 0.0f;
	c->positions = 0;
	if (!o->epochs) o->epochs = 8;
	if (!o->batch) o->batch = 16;
	if (o->lr < 0) o->lr = 1e-3;
	if (o->schedule == SCHED_AUTO) o->schedule = SCHED_CONSTANT;
	if (o->weight_decay < 0) o->weight_decay = 0;
}

/* The regime's settings where the options gave none, and one line that
 * says which regime, why, and what it set (none when all were given). */
static void choose_regime(train_options *o, const train_data *d, train_note_fn note, void *ctx)
{
	model_config *c = &o->cfg;
	double per_item = d->items ? (double)d->examples / d->items : 0.0;
	const regime *r = per_item < TRAIN_SPARSE_BELOW ? &sparse : &dense;
	char set[256] = "";
	size_t n = 0;
#define SET(unset, field, value, fmt, ...) do { \
	if (unset) { \
		field = value; \
		n += snprintf(set + n, n < sizeof set ? sizeof set - n : 0, fmt, __VA_ARGS__); \
	} } while (0)
	if (!o->init)
		SET(c->dropout < 0, c->dropout, r->dropout, " --dropout %g", (double)r->dropout);
	SET(o->weight_decay < 0, o->weight_decay, r->weight_decay, " --weight-decay %g",
		(double)r->weight_decay);
	/* the plateau and the sparse epochs wait for validation to stall,
	 * which --patience 0 never lets it */
	int stops = o->valid && o->patience != 0;
	int sched = r->schedule == SCHED_PLATEAU && !stops ? SCHED_CONSTANT : r->schedule;
	SET(o->schedule == SCHED_AUTO, o->schedule, sched, " --lr-schedule %s",
		train_schedule_names[sched]);
	int linear = r->schedule == SCHED_LINEAR;
	int epochs = linear || stops ? r->epochs : TRAIN_SPARSE_EPOCHS_BLIND;
	if (!d->from_batches) /* a batch stream's epochs are its own */
		SET(!o->epochs, o->epochs, epochs, " --epochs %d%s", epochs, linear ? ""
			: stops ? " (the validation split stops it)" : o->valid ?
			" (--patience 0: validation does not stop it)" : " (no validation split to stop it)");
#undef SET
	if (n)
		say(note, ctx, "%.1f training examples per item, %s %g: the %s defaults:%s", per_item,
			r == &sparse ? "under" : "at least", TRAIN_SPARSE_BELOW, r->name, set);
}

/* The default objective.  The full softmax costs one dot product per item
 * for every example; a softmax over the target and TRAIN_SHARED_NEGATIVES
 * items drawn for the whole batch costs the same for any catalogue, and
 * matches the full softmax's quality when the negatives are many
 * (Klenitskiy and Vasilev, RecSys 2023: 3,000 on MovieLens-1M).  Many,
 * not all: on ML-1M's 3,416 items the full softmax was still 1.4% ahead
 * in NDCG@10, outside three seeds' spread.  So the full softmax while
 * it costs at most twice the sampled one (up to twice as many items as
 * negatives), the sampled one beyond. */
static void choose_loss(train_options *o, int64_t N, train_note_fn note, void *ctx)
{
	int given_negatives = o->negatives > 0;
	if (!given_negatives)
		o->negatives = TRAIN_SHARED_NEGATIVES;
	if (o->loss != LOSS_AUTO)
		return;
	int64_t most = 2 * (int64_t)o->negatives;
	o->loss = N > most ? LOSS_SAMPLED : LOSS_SOFTMAX;
	if (o->loss == LOSS_SOFTMAX && given_negatives)
		say(note, ctx, "%lld items, no more than %lld (twice the negatives): the full "
			"softmax over all of them, no negatives drawn", (long long)N, (long long)most);
	if (o->loss == LOSS_SAMPLED)
		say(note, ctx, "%lld items, more than %lld: sampled softmax over %d negatives "
			"shared by each batch (--loss softmax for the full one)", (long long)N,
			(long long)most, o->negatives);
}

int train_options_given(train_options *o, char *err, size_t errlen)
{
	const model_config *c = &o->cfg;
	static const char *const tt_only[] = { "--blocks", "--dropout", "--item-mlp", "--no-positions",
		"--rel-pos" };
	const int tt_given[] = { c->blocks != 0, c->dropout >= 0, c->item_mlp, c->positions == 0,
		c->rel_pos };
	int E = c->E ? c->E : TRAIN_DIM, NH = c->NH ? c->NH : TRAIN_HEADS;
	o->given = *c;
	o->valid |= o->schedule == SCHED_PLATEAU || o->patience >= 0;
	if (!o->init && E % NH) /* --init: the model's sizes */
		return errorf(err, errlen, "--dim %d is not a multiple of --heads %d", E, NH);
	for (size_t i = 0; c->arch == ARCH_SEED && i < sizeof tt_only / sizeof *tt_only; i++)
		if (tt_given[i])
			return errorf(err, errlen, "%s is for --arch tt; the seed has no such part", tt_only[i]);
	if (o->loss == LOSS_SOFTMAX && o->negatives)
		return errorf(err, errlen, "--negatives is for --loss sampled; softmax draws none");
	return 0;
}

int train_keep_shape(train_options *o, const model_config *m, const char *init_name,
	char *err, size_t errlen)
{
	const model_config *g = &o->given;
	const struct { int given; const char *name; double asked, model; } shape[] = {
		{ g->E != 0, "--dim", g->E, m->E },
		{ g->F != 0, "--hidden", g->F, m->F },
		{ g->NH != 0, "--heads", g->NH, m->NH },
		{ g->L != 0, "--history", g->L, m->L },
		{ g->blocks != 0, "--blocks", g->blocks, m->blocks },
		{ g->dropout >= 0, "--dropout", g->dropout, m->dropout },
		{ g->item_mlp != 0, "--item-mlp", g->item_mlp, m->item_mlp },
		{ g->positions >= 0, "--no-positions", g->positions, m->positions },
		{ g->rel_pos != 0, "--rel-pos", g->rel_pos, m->rel_pos },
	};
	if (g->arch != ARCH_AUTO && g->arch != m->arch)
		return errorf(err, errlen, "--arch %s contradicts the model of --init %s (%s), whose "
			"architecture and sizes training keeps", model_arch_name(g->arch), init_name,
			model_arch_name(m->arch));
	for (size_t i = 0; i < sizeof shape / sizeof *shape; i++)
		if (shape[i].given && shape[i].asked != shape[i].model)
			return errorf(err, errlen, "%s %g contradicts the model of --init %s (%g), whose "
				"architecture and sizes training keeps", shape[i].name, shape[i].asked,
				init_name, shape[i].model);
	o->cfg.arch = m->arch; /* its recipe, as if --arch named it */
	return 0;
}

/* The item features p's side data allows (genres, years, titles) into c,
 * with one line to note saying which; none when p has no side data. */
static void choose_features(model_config *c, const prep *p, train_note_fn note, void *ctx)
{
	if (p->gender && c->arch == ARCH_TT) {
		c->user_features = 1;
		say(note, ctx, "user features: gender, age band and occupation");
	} else if (p->user_cols.C && c->arch == ARCH_TT) {
		c->user_features = 1;
		c->user_vocab = side_vocab_size(&p->user_cols);
		say(note, ctx, "user features: %d columns of the users file, %d values",
			p->user_cols.C, c->user_vocab);
	}
	if (!p->genres && !p->year && !p->titles && !p->item_cols.C)
		return;
	c->genres = p->genres ? p->n_genres : 0;
	c->year_buckets = p->year ? FEATURE_YEAR_BUCKETS : 0;
	c->title_buckets = p->titles ? FEATURE_TITLE_BUCKETS : 0;
	c->title_seed = FEATURE_TITLE_SEED;
	c->id_dropout = FEATURE_ID_DROPOUT;
	c->item_vocab = side_vocab_size(&p->item_cols);
	if (c->genres || c->year_buckets || c->title_buckets)
		say(note, ctx, "item features: %d genres, years in %d buckets, title words in %d buckets; "
		"id dropout %g", c->genres, c->year_buckets, c->title_buckets, (double)c->id_dropout);
	if (c->item_vocab)
		say(note, ctx, "item features: %d catalogue columns, %d values", p->item_cols.C,
			c->item_vocab);
}

void train_choose_prep(train_options *o, const prep *p, int features, train_note_fn note, void *ctx)
{
	o->cfg.U = p->n_users;
	o->cfg.N = p->n_items;
	train_choose(o, &(train_data){ prep_train_examples(p), p->n_items, 0 }, note, ctx);
	if (!o->init && features) /* --init: the model's features */
		choose_features(&o->cfg, p, note, ctx);
}

int train_choose_batches(train_options *o, const batch_meta *bm, train_note_fn note, void *ctx,
	char *err, size_t errlen)
{
	if (o->cfg.L && bm->history != o->cfg.L)
		return errorf(err, errlen, "--history %d: the batch stream's rows have %lld slots "
			"(tt-batch --history)", o->cfg.L, (long long)bm->history);
	if (o->epochs && o->epochs != bm->epochs)
		return errorf(err, errlen, "--epochs %d: the batch stream holds %lld epochs "
			"(tt-batch --epochs)", o->epochs, (long long)bm->epochs);
	if (o->batch && o->batch != bm->batch)
		return errorf(err, errlen, "--batch %d: the batch stream's batches have %lld rows "
			"(tt-batch --batch)", o->batch, (long long)bm->batch);
	o->cfg.U = bm->users;
	o->cfg.N = bm->items;
	o->cfg.L = (int)bm->history;
	o->epochs = (int)bm->epochs; /* for the model's meta: the stream's own */
	o->batch = (int)bm->batch;
	train_choose(o, &(train_data){ bm->examples_per_epoch, bm->items, 1 }, note, ctx);
	return 0;
}

int train_read_input(tts_reader *r, prep *p, batch_meta *bm, char *err, size_t errlen)
{
	tts_header h;
	char kind[32] = "";
	memset(p, 0, sizeof *p);
	int rc = tts_next(r, &h);
	if (rc <= 0 || strcmp(h.name, "meta") != 0)
		return errorf(err, errlen, "%s", rc < 0 ? tts_reader_error(r)
			: "expected a prep or batch stream (no meta record)");
	char *meta = tts_read_alloc(r, &h, 1 << 20);
	if (!meta)
		return errorf(err, errlen, "%s", tts_reader_error(r));
	tts_meta_get(meta, "kind", kind, sizeof kind);
	if (strcmp(kind, "prep") == 0)
		rc = prep_read_body(r, meta, p, err, errlen) ? -1 : 0;
	else if (strcmp(kind, "batch") == 0)
		rc = batch_meta_parse(meta, bm, err, errlen) ? -1 : 1;
	else
		rc = errorf(err, errlen, "expected a prep or batch stream, not kind=%s", kind);
	free(meta);
	return rc;
}

void train_choose(train_options *o, const train_data *d, train_note_fn note, void *ctx)
{
	model_config *c = &o->cfg;
	if (c->arch == ARCH_AUTO) c->arch = ARCH_TT;
	if (!c->E) c->E = TRAIN_DIM;
	if (!c->NH) c->NH = TRAIN_HEADS;
	if (!c->L) c->L = HISTORY_DEFAULT;
	if (c->arch == ARCH_SEED) {
		choose_seed_recipe(o);
	} else {
		if (!c->F) c->F = 256;
		if (!c->blocks) c->blocks = 2;
		if (c->positions < 0) c->positions = 1;
		if (!o->batch) o->batch = BATCH_DEFAULT;
		if (o->lr < 0) o->lr = 2e-3;
		choose_regime(o, d, note, ctx);
	}
	if (o->patience < 0)
		o->patience = o->valid ? TRAIN_PATIENCE : 0;
	choose_loss(o, d->items, note, ctx);
	/* bf16 operands double the products' rate where the CPU has them
	 * (bf16.h), and change no result beyond bf16's precision */
	if (o->precision == PRECISION_AUTO)
		o->precision = bf16_supported() ? PRECISION_BF16 : PRECISION_FP32;
}

model *train_carry(const model *old, const prep *old_ids, const prep *p, uint64_t seed,
	const char *init_name, train_note_fn note, void *ctx, char *err, size_t errlen)
{
	model_carried n;
	model *m = model_carry(old, old_ids, p, seed, &n, err, errlen);
	if (m && model_cfg(m)->arch == ARCH_SEED)
		say(note, ctx, "%s: by id, %lld users and %lld items carried, %lld and %lld new, "
			"%lld and %lld gone", init_name, (long long)n.users_kept, (long long)n.items_kept,
			(long long)n.users_new, (long long)n.items_new, (long long)n.users_gone,
			(long long)n.items_gone);
	else if (m) /* the users have no rows of their own */
		say(note, ctx, "%s: by id, %lld items carried, %lld new, %lld gone", init_name,
			(long long)n.items_kept, (long long)n.items_new, (long long)n.items_gone);
	/* the model's shape is kept: side data it has no rows for goes unused */
	if (m && !model_has_features(model_cfg(m)) &&
	    (p->genres || p->year || p->titles || p->item_cols.C))
		say(note, ctx, "%s has no item features: the data's item side data is not used "
			"(a model of features trains from scratch)", init_name);
	return m;
}

int train_give_side_data(model *m, const prep *p, char *err, size_t errlen)
{
	if (model_set_user_side(m, p, err, errlen))
		return -1;
	if (!model_has_features(model_cfg(m)))
		return 0;
	size_t n = p->n_items ? (size_t)p->n_items : 1;
	uint8_t *seen = calloc(n, 1);
	if (!seen)
		return nomemf(err, errlen, "the items seen in training", n);
	for (int64_t u = 0; u < p->n_users; u++)
		for (int64_t z = p->offsets[u]; z < prep_train_end(p, u); z++)
			seen[p->items[z]] = 1;
	int rc = model_set_item_side(m, p, seen, err, errlen);
	free(seen);
	return rc;
}

void train_init(trainer *t, model *m, const train_options *o, const train_hooks *h)
{
	memset(t, 0, sizeof *t);
	t->m = m;
	t->o = o;
	t->h = *h;
	t->lr_scale = 1.0;
	t->rng = o->seed ^ 0xd1b54a32d192ed03ULL;
	prof_start();
	t->threads = o->threads < MODEL_THREADS_MAX ? o->threads : MODEL_THREADS_MAX;
	if (o->threads > MODEL_THREADS_MAX)
		say(h->note, h->ctx, "training uses %d threads, the most a model's step splits "
			"into; the other %d stay idle", MODEL_THREADS_MAX, o->threads - MODEL_THREADS_MAX);
}

/* TT_PROFILE=1: where the steps' time went, as a note (prof.h). */
static void say_profile(const trainer *t)
{
	char line[512];
	if (prof_line(line, sizeof line))
		say(t->h.note, t->h.ctx, "%s", line);
}

/* One optimisation step.  Across ranks, the model sums the gradients and
 * the loss, and the stops seen are summed here: every rank takes the same
 * step and stops after it. */
static int step(trainer *t, const batch *bt, int64_t epoch, int64_t *ex, double *loss,
	char *err, size_t errlen)
{
	const train_options *o = t->o;
	*loss = model_step_grad(t->m, bt, &t->rng, ex);
	double seen = t->h.stop ? *t->h.stop : 0;
	dist_sum_f64(&seen, 1);
	t->interrupted = seen > 0;
	if (!isfinite(*loss))
		return errorf(err, errlen, "epoch %lld step %lld: the loss is %g; stopping, no model written",
			(long long)epoch, (long long)t->step + 1, *loss);
	t->step++;
	double lr = o->lr * t->lr_scale;
	if (o->schedule == SCHED_LINEAR && t->planned > 0) /* linear to zero at the last planned step */
		lr *= 1.0 - (double)(t->step - 1) / t->planned;
	return model_adam(t->m, (float)lr, 0.9f, 0.98f, 1e-8f, (float)o->weight_decay, t->step,
		err, errlen);
}

/* After an epoch's validation: keep the weights when they are the best so
 * far.  Returns the epochs since the best. */
static int keep_best(trainer *t, int64_t epoch, double ndcg, int since_best, char *err, size_t errlen)
{
	size_t bytes = model_num_params(t->m) * sizeof(float);
	if (t->best && ndcg <= t->best_ndcg)
		return since_best + 1;
	if (!t->best && !(t->best = malloc(bytes)))
		return nomemf(err, errlen, "the best epoch's weights", bytes);
	memcpy(t->best, model_weights(t->m), bytes);
	t->best_ndcg = ndcg;
	t->best_epoch = (int)epoch;
	return 0;
}

/* The end of an epoch with patience run out: on at a lower rate from the
 * best weights (the plateau, once), or stop.  1: stop. */
static int out_of_patience(trainer *t, int64_t epoch, int *since_best)
{
	const train_options *o = t->o;
	if (o->schedule == SCHED_PLATEAU && t->lr_scale == 1.0) {
		memcpy(model_weights(t->m), t->best, model_num_params(t->m) * sizeof(float));
		t->lr_scale = TRAIN_PLATEAU_DROP;
		*since_best = 0;
		say(t->h.note, t->h.ctx, "no better validation NDCG@10 for %d epochs: on from "
			"epoch %d's weights at %g of the rate (--lr-schedule plateau)", o->patience,
			t->best_epoch, TRAIN_PLATEAU_DROP);
		return 0;
	}
	say(t->h.note, t->h.ctx, "stopped after epoch %lld: no better validation NDCG@10 for %d "
		"epochs (--patience); keeping epoch %d's weights", (long long)epoch, o->patience,
		t->best_epoch);
	return 1;
}

static int run_epochs(trainer *t, const prep *p, batcher *bb, batch *bt, char *err, size_t errlen)
{
	const train_options *o = t->o;
	train_progress pr = { .epochs = o->epochs, .per_epoch = prep_train_examples(p) };
	t->planned = (int64_t)o->epochs * ((bb->n_rows + o->batch - 1) / o->batch);
	if (o->max_steps && o->max_steps < t->planned)
		t->planned = o->max_steps;
	pr.planned = t->planned;
	double start = now_seconds();
	int since_best = 0;
	for (int64_t epoch = 1; epoch <= o->epochs && !t->interrupted; epoch++) {
		double t0 = now_seconds(), loss_sum = 0;
		int64_t nb = 0;
		pr.epoch = epoch;
		pr.seen = 0;
		pr.valid = 0;
		batcher_epoch(bb, epoch);
		while (!t->interrupted && batcher_next(bb, bt)) {
			int64_t ex;
			double loss;
			if (step(t, bt, epoch, &ex, &loss, err, errlen))
				return -1;
			loss_sum += loss;
			nb++;
			pr.seen += ex;
			pr.step = t->step;
			pr.loss = loss_sum / nb;
			pr.seconds = now_seconds() - start;
			if (t->h.step)
				t->h.step(t->h.ctx, &pr);
			if (o->max_steps && t->step >= o->max_steps)
				break;
		}
		pr.epoch_seconds = now_seconds() - t0;
		pr.loss = nb ? loss_sum / nb : 0;
		if (o->valid && !t->interrupted) {
			int rc = t->h.validate(t->h.ctx, t->m, &pr.hr10, &pr.ndcg10, err, errlen);
			if (rc)
				return rc;
			pr.valid = 1;
			if ((since_best = keep_best(t, epoch, pr.ndcg10, since_best, err, errlen)) < 0)
				return since_best;
		}
		pr.seconds = now_seconds() - start;
		if (t->h.epoch)
			t->h.epoch(t->h.ctx, &pr);
		if (o->max_steps && t->step >= o->max_steps)
			break;
		if (o->patience && since_best >= o->patience && epoch < o->epochs &&
		    out_of_patience(t, epoch, &since_best))
			break;
	}
	return 0;
}

int train_prep(trainer *t, const prep *p, char *err, size_t errlen)
{
	const train_options *o = t->o;
	const model_config *c = model_cfg(t->m);
	batcher bb;
	batch bt;
	int rc;
	if (prep_train_examples(p) == 0)
		return errorf(err, errlen, "no training examples (every user needs 2 training interactions)");
	int64_t targets = 0;
	for (int64_t u = 0; o->valid && u < p->n_users; u++)
		targets += p->valid[u] >= 0;
	if (o->valid && !targets)
		return errorf(err, errlen, "--valid, --patience or --lr-schedule plateau: no user has a "
			"validation target (a prep stream of --split none, or users of fewer than 3 "
			"interactions)");
	if ((rc = sampler_init(&t->neg, p, 0.0)) != 0)
		return nomemf(err, errlen, "the negative sampler", (size_t)c->N * (sizeof(float) + sizeof(double)));
	if ((rc = model_set_loss(t->m, o->loss, o->negatives, &t->neg, err, errlen)) != 0 ||
	    (rc = model_set_precision(t->m, o->precision, err, errlen)) != 0)
		return rc;
	if (batcher_init(&bb, p, c->L, o->batch, o->seed))
		return nomemf(err, errlen, "the batcher's rows (at most)", (size_t)p->n_inter * 3 * sizeof(int64_t));
	if (batch_alloc(&bt, o->batch, c->L)) {
		batcher_free(&bb);
		return nomemf(err, errlen, "a batch", (size_t)o->batch * c->L * 2 * sizeof(int32_t));
	}
	if ((rc = model_train_alloc(t->m, o->batch, t->threads, err, errlen)) == 0 &&
	    (rc = model_adam_alloc(t->m, err, errlen)) == 0)
		rc = run_epochs(t, p, &bb, &bt, err, errlen);
	batch_free(&bt);
	batcher_free(&bb);
	if (rc == 0)
		say_profile(t);
	return rc;
}

/* One step on a batch of a batch stream (the sampled loss's negatives
 * drawn uniformly); t->stream says where the run is, stream.seen the
 * examples of the epoch not yet reported. */
static int stream_step(trainer *t, const batch *bt, char *err, size_t errlen)
{
	const train_options *o = t->o;
	const model_config *c = model_cfg(t->m);
	int rc;
	if (!t->neg.log_q && sampler_init_log_q(&t->neg, NULL, c->N)) /* uniform negatives */
		return nomemf(err, errlen, "the negative sampler", (size_t)c->N * (sizeof(float) + sizeof(double)));
	if ((rc = model_set_loss(t->m, o->loss, o->negatives, &t->neg, err, errlen)) != 0 ||
	    (rc = model_set_precision(t->m, o->precision, err, errlen)) != 0 ||
	    (rc = model_train_alloc(t->m, bt->B, t->threads, err, errlen)) != 0 ||
	    (rc = model_adam_alloc(t->m, err, errlen)) != 0)
		return rc;
	int64_t ex;
	double loss;
	train_progress *pr = &t->stream;
	if (!t->batches)
		t->stream_start = t->epoch_start = now_seconds();
	if (!pr->epoch)
		pr->epoch = 1;
	if ((rc = step(t, bt, pr->epoch, &ex, &loss, err, errlen)) != 0)
		return rc;
	t->batches++;
	t->epoch_batches++;
	t->epoch_loss += loss;
	pr->epochs = t->o->epochs > 0 ? t->o->epochs : 1;
	pr->step = t->step;
	pr->planned = t->planned;
	pr->seen += ex;
	pr->loss = t->epoch_loss / t->epoch_batches;
	double now = now_seconds();
	pr->seconds = now - t->stream_start;
	pr->epoch_seconds = now - t->epoch_start;
	if (t->h.step)
		t->h.step(t->h.ctx, pr);
	/* tt-batch cuts no batch across epochs: an epoch ends on a batch */
	if (pr->per_epoch > 0 && pr->seen >= pr->per_epoch) {
		if (t->h.epoch)
			t->h.epoch(t->h.ctx, pr);
		pr->epoch++;
		pr->seen = 0;
		t->epoch_batches = 0;
		t->epoch_loss = 0;
		t->epoch_start = now;
	}
	return 0;
}

static int number_ids(prep *ids, char *err, size_t errlen)
{
	if (ids->user_ids)
		return 0;
	ids->user_ids = malloc(ids->n_users * sizeof *ids->user_ids);
	ids->item_ids = malloc(ids->n_items * sizeof *ids->item_ids);
	if (!ids->user_ids || !ids->item_ids)
		return nomemf(err, errlen, "the ids", (size_t)(ids->n_users + ids->n_items) *
			sizeof *ids->user_ids);
	for (int64_t i = 0; i < ids->n_users; i++) ids->user_ids[i] = i + 1;
	for (int64_t i = 0; i < ids->n_items; i++) ids->item_ids[i] = i + 1;
	return 0;
}

/* Whether a and b number the same ids the same way. */
static int same_ids(const prep *a, const prep *b)
{
	return a->n_users == b->n_users && a->n_items == b->n_items &&
		!memcmp(a->user_ids, b->user_ids, (size_t)a->n_users * sizeof *a->user_ids) &&
		!memcmp(a->item_ids, b->item_ids, (size_t)a->n_items * sizeof *a->item_ids);
}

int train_batch_stream(trainer *t, tts_reader *r, const batch_meta *bm, prep *ids,
	const prep *model_ids, char *err, size_t errlen)
{
	const model_config *c = model_cfg(t->m);
	const train_options *o = t->o;
	batch bt;
	tts_header h;
	char why[256];
	int rc = 0;
	memset(&bt, 0, sizeof bt);
	ids->n_users = bm->users;
	ids->n_items = bm->items;
	t->planned = o->max_steps && o->max_steps < bm->steps ? o->max_steps : bm->steps;
	t->stream.per_epoch = bm->examples_per_epoch;
	while (!t->interrupted && (rc = batch_read(r, &bt, &h, err, errlen)) != 0) {
		if (rc < 0 && tts_reader_stopped(r)) { /* a signal while waiting for a batch */
			t->interrupted = 1;
			rc = 0;
		}
		if (rc < 0)
			break;
		if (rc == 2) /* the id maps, before the batches */
			rc = ids_read_record(r, &h, ids, err, errlen) < 0 ? -1 : 0;
		else if (model_ids && t->batches == 0 &&
			 (number_ids(ids, err, errlen) || !same_ids(ids, model_ids)))
			rc = errorf(err, errlen, "the batch stream's users and items are not the model's "
				"of --init, id for id: give --init the prep stream, whose rows are "
				"carried by id");
		else if (batch_check(&bt, c->U, c->N, c->L, why, sizeof why))
			rc = errorf(err, errlen, "batch %lld: %s", (long long)t->batches + 1, why);
		else
			rc = stream_step(t, &bt, err, errlen);
		if (rc < 0 || (o->max_steps && t->step >= o->max_steps))
			break;
	}
	batch_free(&bt);
	if (rc == 0 && t->step == 0 && !t->interrupted)
		return errorf(err, errlen, "no training examples: the batch stream has no batches");
	if (rc == 0)
		say_profile(t);
	if (rc < 0 || (rc = number_ids(ids, err, errlen)) != 0)
		return rc;
	if (t->stream.seen && t->h.epoch) /* an epoch cut short: by max_steps or a stop */
		t->h.epoch(t->h.ctx, &t->stream);
	return 0;
}

void train_meta(const trainer *t, char *buf, size_t n)
{
	const train_options *o = t->o;
	snprintf(buf, n,
		"epochs=%d\nbatch=%d\nlr=%g\nweight_decay=%g\nseed=%llu\nthreads=%d\nranks=%d\n"
		"steps=%lld\nbest_epoch=%d\nvalid_ndcg10=%.6f\nloss=%s\nnegatives=%d\n",
		o->epochs, o->batch, o->lr, o->weight_decay, (unsigned long long)o->seed,
		t->threads, dist_size(), (long long)t->step, t->best_epoch, t->best ? t->best_ndcg : 0.0,
		train_loss_names[o->loss], o->loss == LOSS_SOFTMAX ? 0 : o->negatives);
	if (o->precision == PRECISION_BF16) /* absent: fp32, the bytes of before */
		snprintf(buf + strlen(buf), n - strlen(buf), "precision=bf16\n");
}

void train_finish(trainer *t)
{
	if (t->best)
		memcpy(model_weights(t->m), t->best, model_num_params(t->m) * sizeof(float));
}

void train_free(trainer *t)
{
	free(t->best);
	t->best = NULL;
	sampler_free(&t->neg);
}
