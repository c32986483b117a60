/* test_train.c - the training policy (lib/model/train.c): the defaults by
 * the data, the loss by the catalogue, patience, the plateau and the best
 * epoch's weights, on a small model with a scripted validation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "tap.h"
#include "train.h"

static char said[8][512];
static int n_said;

static void note(void *ctx, const char *line)
{
	(void)ctx;
	if (n_said < 8)
		snprintf(said[n_said++], sizeof said[0], "%s", line);
}

/* The options as the command line leaves them: nothing given. */
static train_options none_given(void)
{
	train_options o = { .cfg = { .arch = ARCH_AUTO, .dropout = -1, .positions = -1 },
		.lr = -1, .weight_decay = -1, .schedule = SCHED_AUTO, .loss = LOSS_AUTO,
		.patience = -1, .seed = 1, .threads = 1 };
	return o;
}

/* Nothing given but a small shape of arch. */
static train_options unset(int arch)
{
	train_options o = none_given();
	o.cfg.arch = arch;
	o.cfg.E = 8;
	o.cfg.L = 5;
	return o;
}

static void choose(train_options *o, int64_t examples, int64_t items, int from_batches)
{
	n_said = 0;
	train_choose(o, &(train_data){ examples, items, from_batches }, note, NULL);
}

static void test_regimes(void)
{
	train_options o = unset(ARCH_TT);
	choose(&o, 50 * 100, 100, 0); /* 50 an item: dense */
	ok(o.cfg.dropout == 0.1f && o.weight_decay == 0 && o.schedule == SCHED_LINEAR &&
		o.epochs == 24 && o.cfg.F == 256 && o.cfg.blocks == 2 && o.cfg.positions == 1 &&
		o.batch == 32 && o.lr == 2e-3 && o.patience == 0,
		"dense at 50 examples an item: dropout 0.1, no decay, linear over 24 epochs");
	ok(n_said == 1 && strcmp(said[0], "50.0 training examples per item, at least 50: the dense "
		"defaults: --dropout 0.1 --weight-decay 0 --lr-schedule linear --epochs 24") == 0,
		"and says so: %s", said[0]);

	o = unset(ARCH_TT);
	choose(&o, 4999, 100, 0);
	ok(o.cfg.dropout == 0.5f && fabs(o.weight_decay - 0.3) < 1e-6 && o.schedule == SCHED_CONSTANT &&
		o.epochs == TRAIN_SPARSE_EPOCHS_BLIND,
		"sparse under 50 without a validation split: constant rate over %d epochs",
		TRAIN_SPARSE_EPOCHS_BLIND);

	o = unset(ARCH_TT);
	o.valid = 1;
	choose(&o, 4999, 100, 0);
	ok(o.schedule == SCHED_PLATEAU && o.epochs == TRAIN_SPARSE_EPOCHS &&
		o.patience == TRAIN_PATIENCE,
		"sparse with a validation split: the plateau, up to %d epochs, patience %d",
		TRAIN_SPARSE_EPOCHS, TRAIN_PATIENCE);

	/* --patience 0: validation reports, never stops: as without it */
	o = unset(ARCH_TT);
	o.valid = 1;
	o.patience = 0;
	n_said = 0;
	choose(&o, 4999, 100, 0);
	ok(o.schedule == SCHED_CONSTANT && o.epochs == TRAIN_SPARSE_EPOCHS_BLIND && o.patience == 0 &&
		n_said == 1 && strstr(said[0], "--lr-schedule constant --epochs 40 (--patience 0: "
		"validation does not stop it)") != NULL,
		"sparse with --patience 0: constant rate over %d epochs, not a plateau that never "
		"comes: %s", TRAIN_SPARSE_EPOCHS_BLIND, said[0]);

	o = unset(ARCH_TT);
	o.cfg.dropout = 0.2f;
	o.weight_decay = 0.05;
	o.epochs = 3;
	choose(&o, 100, 100, 0);
	ok(o.cfg.dropout == 0.2f && o.weight_decay == 0.05 && o.epochs == 3 &&
		o.schedule == SCHED_CONSTANT && n_said == 1 &&
		strstr(said[0], "the sparse defaults: --lr-schedule constant") != NULL,
		"what the options gave stays; the line names only what was set");

	o = unset(ARCH_TT);
	o.cfg.dropout = 0.2f;
	o.weight_decay = 0;
	o.epochs = 3;
	o.schedule = SCHED_LINEAR;
	choose(&o, 100, 100, 0);
	ok(n_said == 0, "every setting given: nothing said");

	o = unset(ARCH_TT);
	o.epochs = 0;
	choose(&o, 100, 100, 1);
	ok(o.epochs == 0 && strstr(said[0], "--epochs") == NULL,
		"a batch stream's epochs are its own");

	o = unset(ARCH_TT);
	o.init = 1;
	o.cfg.dropout = 0.3f; /* the model read's */
	choose(&o, 100, 100, 0);
	ok(o.cfg.dropout == 0.3f && strstr(said[0], "--dropout") == NULL,
		"with --init the model keeps its dropout");

	o = unset(ARCH_SEED);
	choose(&o, 100, 100, 0);
	ok(o.cfg.F == 128 && o.cfg.blocks == 1 && o.cfg.dropout == 0 && o.cfg.positions == 0 &&
		o.epochs == 8 && o.batch == 16 && o.lr == 1e-3 && o.schedule == SCHED_CONSTANT &&
		o.weight_decay == 0 && n_said == 0,
		"the seed: its own recipe, whatever the data");
}

static void test_loss(void)
{
	train_options o = unset(ARCH_TT);
	choose(&o, 1e6, 2 * TRAIN_SHARED_NEGATIVES, 0);
	ok(o.loss == LOSS_SOFTMAX && o.negatives == TRAIN_SHARED_NEGATIVES && n_said == 1,
		"up to twice the negatives: the full softmax, silently");
	o = unset(ARCH_TT);
	choose(&o, 1e6, 2 * TRAIN_SHARED_NEGATIVES + 1, 0);
	ok(o.loss == LOSS_SAMPLED && n_said == 2 && strcmp(said[1], "6001 items, more than 6000: "
		"sampled softmax over 3000 negatives shared by each batch (--loss softmax for the "
		"full one)") == 0, "beyond: the sampled softmax, said");
	o = unset(ARCH_TT);
	o.negatives = 40;
	choose(&o, 1e6, 80, 0);
	ok(o.loss == LOSS_SOFTMAX && n_said == 2 && strstr(said[1], "no negatives drawn"),
		"negatives given over a small catalogue: the full softmax, said");
	o = unset(ARCH_TT);
	o.loss = LOSS_SAMPLED;
	choose(&o, 1e6, 80, 0);
	ok(o.loss == LOSS_SAMPLED && o.negatives == TRAIN_SHARED_NEGATIVES,
		"a loss given stays");
}

static void test_options_given(void)
{
	char err[256] = "";
	train_options o = none_given();
	ok(train_options_given(&o, err, sizeof err) == 0 && !o.valid, "nothing given: nothing refused");
	train_choose(&o, &(train_data){ 1000, 10, 0 }, NULL, NULL);
	ok(o.cfg.arch == ARCH_TT && o.cfg.E == TRAIN_DIM && o.cfg.NH == TRAIN_HEADS &&
		o.cfg.L == HISTORY_DEFAULT, "and chosen: tt, dim %d, %d heads, history %d", TRAIN_DIM,
		TRAIN_HEADS, HISTORY_DEFAULT);

	o = none_given();
	o.patience = 0;
	train_options_given(&o, err, sizeof err);
	ok(o.valid, "--patience implies --valid");
	o = none_given();
	o.schedule = SCHED_PLATEAU;
	train_options_given(&o, err, sizeof err);
	ok(o.valid, "the plateau implies --valid");

	o = none_given();
	o.cfg.E = 15;
	ok(train_options_given(&o, err, sizeof err) == -1 &&
		strcmp(err, "--dim 15 is not a multiple of --heads 2") == 0, "%s", err);
	o.init = 1;
	ok(train_options_given(&o, err, sizeof err) == 0, "with --init the sizes are the model's");

	static const struct {
		const char *name;
		int blocks, item_mlp, positions;
		float dropout;
	} part[] = {
		{ "--blocks", 2, 0, -1, -1 }, { "--dropout", 0, 0, -1, 0.2f },
		{ "--item-mlp", 0, 1, -1, -1 }, { "--no-positions", 0, 0, 0, -1 },
	};
	for (size_t i = 0; i < sizeof part / sizeof *part; i++) {
		o = none_given();
		o.cfg.arch = ARCH_SEED;
		o.cfg.blocks = part[i].blocks;
		o.cfg.item_mlp = part[i].item_mlp;
		o.cfg.positions = part[i].positions;
		o.cfg.dropout = part[i].dropout;
		char want[128];
		snprintf(want, sizeof want, "%s is for --arch tt; the seed has no such part", part[i].name);
		ok(train_options_given(&o, err, sizeof err) == -1 && strcmp(err, want) == 0, "%s", err);
	}
	o = none_given();
	o.loss = LOSS_SOFTMAX;
	o.negatives = 5;
	ok(train_options_given(&o, err, sizeof err) == -1 &&
		strcmp(err, "--negatives is for --loss sampled; softmax draws none") == 0, "%s", err);
	o.loss = LOSS_SAMPLED;
	ok(train_options_given(&o, err, sizeof err) == 0, "negatives with the sampled loss");
}

static void test_keep_shape(void)
{
	char err[256] = "";
	model_config m = { .arch = ARCH_TT, .E = 16, .F = 32, .NH = 2, .L = 20, .blocks = 2,
		.positions = 1, .dropout = 0.1f };
	train_options o = none_given();
	o.init = 1;
	o.cfg.E = 16;
	o.cfg.L = 20;
	train_options_given(&o, err, sizeof err);
	train_choose(&o, &(train_data){ 1000, 10, 0 }, NULL, NULL);
	ok(train_keep_shape(&o, &m, "old.bin", err, sizeof err) == 0,
		"the model's sizes given again, the others chosen: kept");
	o = none_given();
	o.cfg.E = 64;
	train_options_given(&o, err, sizeof err);
	ok(train_keep_shape(&o, &m, "old.bin", err, sizeof err) == -1 &&
		strcmp(err, "--dim 64 contradicts the model of --init old.bin (16), whose "
		"architecture and sizes training keeps") == 0, "a default given is given: %s", err);
	o = none_given();
	o.cfg.positions = 0;
	train_options_given(&o, err, sizeof err);
	ok(train_keep_shape(&o, &m, "old.bin", err, sizeof err) == -1 &&
		strncmp(err, "--no-positions 0 contradicts", 28) == 0, "%s", err);
	o = none_given();
	o.cfg.arch = ARCH_SEED;
	train_options_given(&o, err, sizeof err);
	ok(train_keep_shape(&o, &m, "old.bin", err, sizeof err) == -1 &&
		strcmp(err, "--arch seed contradicts the model of --init old.bin (tt), whose "
		"architecture and sizes training keeps") == 0, "%s", err);
	model_config seed = { .arch = ARCH_SEED, .E = 16, .F = 32, .NH = 2, .L = 20, .blocks = 1 };
	o = none_given();
	o.init = 1;
	train_options_given(&o, err, sizeof err);
	ok(train_keep_shape(&o, &seed, "seed.bin", err, sizeof err) == 0 && o.cfg.arch == ARCH_SEED,
		"no --arch: the model of --init's architecture is the options'");
	train_choose(&o, &(train_data){ 1000, 10, 0 }, NULL, NULL);
	ok(o.batch == 16 && o.lr == 1e-3 && o.epochs == 8 && o.schedule == SCHED_CONSTANT &&
		o.weight_decay == 0, "a seed model of --init trains by the seed's recipe: batch %d, "
		"lr %g, %d epochs", o.batch, o.lr, o.epochs);
}

static void test_batch_meta(void)
{
	char err[256] = "";
	batch_meta bm = { .users = 7, .items = 9, .history = 20, .epochs = 3, .batch = 16 };
	train_options o = none_given();
	ok(train_choose_batches(&o, &bm, NULL, NULL, err, sizeof err) == 0 && o.cfg.U == 7 &&
		o.cfg.N == 9 && o.cfg.L == 20 && o.epochs == 3 && o.batch == 16,
		"a batch stream's sizes, epochs and batch rows are its own");
	o = none_given();
	o.epochs = 3;
	o.batch = 16;
	ok(train_choose_batches(&o, &bm, NULL, NULL, err, sizeof err) == 0 && o.epochs == 3 &&
		o.batch == 16, "the stream's epochs and batch rows given again: taken");
	o = none_given();
	o.epochs = 5;
	ok(train_choose_batches(&o, &bm, NULL, NULL, err, sizeof err) == -1 && strcmp(err, "--epochs 5: "
		"the batch stream holds 3 epochs (tt-batch --epochs)") == 0, "%s", err);
	o = none_given();
	o.batch = 32;
	ok(train_choose_batches(&o, &bm, NULL, NULL, err, sizeof err) == -1 && strcmp(err, "--batch 32: "
		"the batch stream's batches have 16 rows (tt-batch --batch)") == 0, "%s", err);
	o = none_given();
	o.cfg.L = 30;
	ok(train_choose_batches(&o, &bm, NULL, NULL, err, sizeof err) == -1 && strcmp(err, "--history 30: "
		"the batch stream's rows have 20 slots (tt-batch --history)") == 0, "%s", err);
}

/* Ids of n users or items from first on. */
static int64_t *ids_from(int64_t first, int64_t n)
{
	int64_t *ids = malloc(n * sizeof *ids);
	for (int64_t i = 0; i < n; i++)
		ids[i] = first + i;
	return ids;
}

static void test_carry(void)
{
	char err[256] = "";
	prep old_ids = { .n_users = 10, .n_items = 12 }, ids = { .n_users = 10, .n_items = 12 };
	old_ids.user_ids = ids_from(1, 10);
	old_ids.item_ids = ids_from(1, 12);
	ids.user_ids = ids_from(1, 10);
	ids.item_ids = ids_from(3, 12); /* items 1 and 2 gone, 13 and 14 new */
	for (int arch = ARCH_SEED; arch <= ARCH_TT; arch++) {
		model_config c = { .arch = arch, .U = 10, .N = 12, .E = 4, .F = 4, .NH = 1, .L = 3,
			.blocks = 1, .positions = 1 };
		model *old = model_new(&c, err, sizeof err);
		model_init_weights(old, 1);
		n_said = 0;
		model *m = train_carry(old, &old_ids, &ids, 2, "old.bin", note, NULL, err, sizeof err);
		ok(m && n_said == 1 && strcmp(said[0], arch == ARCH_SEED
			? "old.bin: by id, 10 users and 10 items carried, 0 and 2 new, 0 and 2 gone"
			: "old.bin: by id, 10 items carried, 2 new, 2 gone") == 0,
			"--init carried by id, and said: %s", said[0]);
		model_free(m);
		model_free(old);
	}
	prep_free(&old_ids);
	prep_free(&ids);
}

/* A stream of one meta record, text (or a record of another name,
 * NULL), for reading back. */
static tts_reader *stream_of(const char *text, FILE **f)
{
	*f = tmpfile();
	tts_writer *w = tts_writer_open(*f, 1);
	if (text)
		tts_write_meta(w, text);
	else
		tts_write_text(w, "titles", "x");
	tts_writer_close(w, NULL, 0);
	rewind(*f);
	return tts_reader_open(*f);
}

static void test_read_input(void)
{
	static const struct { const char *what, *meta; int rc; const char *err; } cases[] = {
		{ "a batch stream", "kind=batch\nusers=7\nitems=9\nhistory=20\nsteps=4\n", 1, "" },
		{ "a model", "kind=model\n", -1, "expected a prep or batch stream, not kind=model" },
		{ "no meta", NULL, -1, "expected a prep or batch stream (no meta record)" },
		{ "a batch meta without users", "kind=batch\nitems=9\nhistory=20\n", -1,
			"batch stream meta: no users=" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char err[256] = "";
		prep ids;
		batch_meta bm;
		FILE *f;
		tts_reader *r = stream_of(cases[i].meta, &f);
		int rc = train_read_input(r, &ids, &bm, err, sizeof err);
		ok(rc == cases[i].rc && strcmp(err, cases[i].err) == 0 &&
			(rc != 1 || (bm.users == 7 && bm.items == 9 && bm.history == 20 && bm.steps == 4)),
			"a training input: %s (%d%s%s)", cases[i].what, rc, *err ? ", " : "", err);
		tts_reader_close(r);
		fclose(f);
	}
}

/* Ten users of eight items each over twelve items: the last two of each
 * row are its validation and test targets. */
static void small_prep(prep *p)
{
	enum { U = 10, K = 8, N = 12 };
	memset(p, 0, sizeof *p);
	p->n_users = U;
	p->n_items = N;
	p->n_inter = U * K;
	p->offsets = malloc((U + 1) * sizeof *p->offsets);
	p->items = malloc(U * K * sizeof *p->items);
	p->valid = malloc(U * sizeof *p->valid);
	p->test = malloc(U * sizeof *p->test);
	for (int64_t u = 0; u <= U; u++)
		p->offsets[u] = u * K;
	for (int64_t u = 0; u < U; u++) {
		for (int64_t k = 0; k < K; k++)
			p->items[u * K + k] = (int32_t)((u + 3 * k) % N);
		p->valid[u] = u * K + K - 2;
		p->test[u] = u * K + K - 1;
	}
}

/* The validation NDCG@10 of each epoch, from a script; the weights of
 * each epoch remembered, to tell which the run kept. */
typedef struct {
	const double *ndcg;
	int calls;
	float first_weight[64];
} script;

static int scripted(void *ctx, model *m, double *hr10, double *ndcg10, char *err, size_t errlen)
{
	script *s = ctx;
	s->first_weight[s->calls] = model_weights(m)[0];
	*hr10 = *ndcg10 = s->ndcg[s->calls++];
	return 0;
}

static prep p;

static int run(const double *ndcg, int schedule, int patience, int epochs, script *s, trainer *t,
	model **m)
{
	char err[256];
	static train_options o;
	o = unset(ARCH_TT);
	o.valid = 1;
	o.schedule = schedule;
	o.patience = patience;
	o.epochs = epochs;
	choose(&o, prep_train_examples(&p), p.n_items, 0);
	o.cfg.U = p.n_users;
	o.cfg.N = p.n_items;
	memset(s, 0, sizeof *s);
	s->ndcg = ndcg;
	*m = model_new(&o.cfg, err, sizeof err);
	model_init_weights(*m, 1);
	n_said = 0;
	train_hooks h = { .ctx = s, .validate = scripted, .note = note };
	train_init(t, *m, &o, &h);
	int rc = train_prep(t, &p, err, sizeof err);
	if (rc)
		diag("train_prep: %s", err);
	return rc;
}

static void test_patience(void)
{
	trainer t;
	model *m;
	script s;
	/* best at epoch 2, then three without: patience 3 stops after epoch 5 */
	static const double stall[] = { 0.1, 0.3, 0.2, 0.3, 0.25, 0.9, 0.9 };
	ok(run(stall, SCHED_CONSTANT, 3, 7, &s, &t, &m) == 0 && s.calls == 5 && t.best_epoch == 2 &&
		n_said == 1 && strcmp(said[0], "stopped after epoch 5: no better validation NDCG@10 "
		"for 3 epochs (--patience); keeping epoch 2's weights") == 0,
		"patience 3: stops 3 epochs after the best (an equal NDCG is no better)");
	train_finish(&t);
	ok(model_weights(m)[0] == s.first_weight[1], "the best epoch's weights are the model's");
	train_free(&t);
	model_free(m);

	/* the plateau: at the first stall, back to the best at a tenth of the
	 * rate; at the second, stop */
	static const double plateau[] = { 0.1, 0.3, 0.2, 0.2, 0.35, 0.3, 0.3, 0.9 };
	ok(run(plateau, SCHED_PLATEAU, 2, 8, &s, &t, &m) == 0 && s.calls == 7 &&
		t.lr_scale == TRAIN_PLATEAU_DROP && t.best_epoch == 5 && n_said == 2 &&
		strcmp(said[0], "no better validation NDCG@10 for 2 epochs: on from epoch 2's "
		"weights at 0.1 of the rate (--lr-schedule plateau)") == 0 &&
		strstr(said[1], "stopped after epoch 7") != NULL,
		"the plateau: a tenth of the rate from epoch 2, then stopped after epoch 7");
	train_free(&t);
	model_free(m);

	static const double rising[] = { 0.1, 0.2, 0.3 };
	ok(run(rising, SCHED_LINEAR, 1, 3, &s, &t, &m) == 0 && s.calls == 3 && t.best_epoch == 3 &&
		t.step == t.planned && n_said == 0,
		"rising all the way: every planned step, the last epoch kept");
	train_free(&t);
	model_free(m);
}

static void test_errors(void)
{
	char err[256] = "";
	model_config c = { .arch = ARCH_TT, .U = 2, .N = 5, .E = 4, .F = 4, .NH = 1, .L = 3,
		.blocks = 1, .positions = 1 };
	model *m = model_new(&c, err, sizeof err);
	int rc = model_set_loss(m, LOSS_SAMPLED, 0, NULL, err, sizeof err);
	ok(rc == -1 && strstr(err, "needs negatives"), "misuse is -1 with a reason: %s", err);
	rc = model_set_loss(m, LOSS_SAMPLED, 3, NULL, err, sizeof err);
	ok(rc == -1 && strstr(err, "sampler over the model's 5 items"), "%s", err);
	model_free(m);

	n_said = 0;
	trainer t;
	train_options o = unset(ARCH_TT);
	o.threads = MODEL_THREADS_MAX + 4;
	train_hooks h = { .note = note };
	train_init(&t, NULL, &o, &h);
	ok(t.threads == MODEL_THREADS_MAX && n_said == 1 && strstr(said[0], "the other 4 stay idle"),
		"more threads than a step splits into: the clamp is said (%s)", said[0]);
	train_free(&t);
}

int main(void)
{
	test_regimes();
	test_loss();
	test_options_given();
	test_keep_shape();
	test_batch_meta();
	test_carry();
	test_read_input();
	small_prep(&p);
	test_patience();
	prep_free(&p);
	test_errors();
	return done();
}
