/* tt-fit - train the two-tower model on a prep or batch stream. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "batch.h"
#include "blas.h"
#include "cli.h"
#include "dist.h"
#include "evaluate.h"
#include "ids.h"
#include "model.h"
#include "prep.h"
#include "tts.h"

#define LOSS_AUTO -1          /* softmax or sampled by the catalogue: choose_loss() */
#define SHARED_NEGATIVES 3000 /* sampled: negatives shared by a batch */
#define BCE_NEGATIVES 100     /* bce: negatives per example */
/* With a validation split, stop after this many epochs without a better
 * NDCG@10: the epoch-to-epoch wiggle of a validation figure is a dip of
 * one or two epochs (ML-1M: at most two in 24); five is past it. */
#define PATIENCE 5
/* The sparse regime's epochs: up to this many, the validation split
 * stopping them; without one, at a constant rate, SPARSE_EPOCHS_BLIND,
 * at or past where that rate stalls on Toys and Sports (its best epochs
 * there 31 to 39). */
#define SPARSE_EPOCHS 200
#define SPARSE_EPOCHS_BLIND 40
static const char *const loss_names[] = { "softmax", "sampled", "inbatch", "bce" };
/* The learning rate over the run: constant; linear, to 0 by the last
 * step; plateau, constant until the validation split stalls (--patience),
 * then from the best epoch's weights at PLATEAU_DROP of the rate until it
 * stalls again.  A constant rate finds the region of the best weights;
 * a lower one settles in it, as the linear decay does for a run whose
 * length is known in advance. */
enum schedule { SCHED_CONSTANT, SCHED_LINEAR, SCHED_PLATEAU, SCHED_END };
static const char *const schedule_names[] = { "constant", "linear", "plateau" };
#define PLATEAU_DROP 0.1

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
 * SPARSE_BELOW lies between the two kinds, by a factor of five or six
 * either way.  tt-fit(1) has the figures.
 */
#define SPARSE_BELOW 50.0
typedef struct {
	const char *name;
	float dropout, weight_decay;
	int schedule, epochs; /* the sparse schedule: without --valid, constant */
} regime;
static const regime dense = { "dense", 0.1f, 0.0f, SCHED_LINEAR, 24 };
static const regime sparse = { "sparse", 0.5f, 0.3f, SCHED_PLATEAU, SPARSE_EPOCHS };

static const char usage_text[] =
"usage: tt-fit [options] [FILE] > model.bin\n"
"Train the two-tower model on a prep stream (from ml-prep) or a batch\n"
"stream (from tt-batch) read from FILE or standard input.\n"
"\n"
"Model:\n"
"  -a, --arch NAME        tt (default: causal transformer user tower) or seed\n"
"  -d, --dim E            embedding width (64)\n"
"      --hidden F         MLP / feed-forward width (tt 256, seed 128)\n"
"      --heads N          attention heads (2)\n"
"  -L, --history L        history slots (50)\n"
"      --blocks N         tt: transformer blocks (2)\n"
"      --dropout P        tt: dropout rate (0.1; sparse 0.5)\n"
"      --item-mlp         tt: an MLP on the item tower\n"
"      --no-positions     tt: no slot embeddings\n"
"      --no-features      ids only: no item features from the prep stream's\n"
"                         genres, years and titles (used when it has them)\n"
"      --id-dropout P     share of the items placed by their features alone\n"
"                         in each training step (0.15)\n"
"Training:\n"
"  -e, --epochs N         passes over the training data (tt 24, seed 8; sparse\n"
"                         200 stopped by --valid, else 40)\n"
"  -b, --batch B          rows per step (tt 32, seed 16)\n"
"      --lr RATE          Adam learning rate (tt 0.002, seed 0.001)\n"
"      --weight-decay W   AdamW decoupled weight decay (0; sparse 0.3)\n"
"      --lr-schedule S    constant; linear: decay to 0 by the last step; or\n"
"                         plateau: a tenth of the rate from the best epoch once\n"
"                         the validation split stalls (implies --valid)\n"
"                         (tt linear, sparse plateau, seed constant)\n"
"      --loss NAME        softmax (full), sampled (softmax over the target and\n"
"                         negatives shared by the batch, log-Q corrected),\n"
"                         inbatch (the batch's other targets as negatives) or\n"
"                         bce; default: softmax up to 2M items, sampled beyond\n"
"  -n, --negatives M      negatives: shared by a batch for sampled (3000), per\n"
"                         example for bce (100)\n"
"      --neg-alpha A      sample negatives by popularity^A (0: uniform)\n"
"  -s, --seed S           random seed (1)\n"
"  -t, --threads N        threads (TT_THREADS or 2)\n"
"      --max-steps N      stop after N steps\n"
"      --init FILE        start from this model's weights\n"
"Validation:\n"
"      --valid            HR@10 and NDCG@10 on the validation split each epoch\n"
"      --patience N       stop after N epochs without a better validation NDCG@10\n"
"                         (with --valid: 5; 0: never; plateau: the first time,\n"
"                         drop the rate); the best epoch's weights are kept\n"
"                         (implies --valid)\n"
"      --test             HR@10 and NDCG@10 on the test split at the end\n"
"Output:\n"
"  -o, --output FILE      write the model to FILE (atomically) instead of stdout\n"
"      --log FILE         TSV per epoch: epoch step loss valid_hr10 valid_ndcg10\n"
"                         examples_per_s seconds\n"
"  -l, --level N          zstd level (3)\n"
"  -h, --help             this help\n"
"  -V, --version          version\n"
"Sparse data: under 50 training examples per item (tt-fit(1), THE DEFAULTS\n"
"BY THE DATA); tt-fit says which defaults it chose.\n";

static struct {
	model_config cfg;
	int epochs, batch, threads, level, valid, test, patience;
	int no_features;
	float id_dropout;
	int loss, negatives, schedule;
	double lr, weight_decay, neg_alpha;
	uint64_t seed;
	long long max_steps;
	const char *input, *output, *log, *init;
} opt = { /* dropout, schedule and epochs: choose_by_data's regime or the
	   * seed's recipe */
	.cfg = { .arch = ARCH_TT, .E = 64, .F = 256, .NH = 2, .blocks = 2, .L = 50,
		.positions = 1 },
	.batch = 32, .lr = 2e-3, .seed = 1, .level = 3, .loss = LOSS_AUTO,
	.id_dropout = FEATURE_ID_DROPOUT,
};

enum { O_HIDDEN = 256, O_HEADS, O_BLOCKS, O_DROPOUT, O_ITEM_MLP, O_NO_POS,
	O_LR, O_WD, O_MAX_STEPS, O_INIT, O_VALID, O_PATIENCE, O_TEST, O_LOG,
	O_LOSS, O_NEG_ALPHA, O_SCHEDULE, O_NO_FEATURES, O_ID_DROPOUT, O_END };

/* The options the command line gave, by getopt's code: defaults that
 * depend on others give way to them, and an option that the others make
 * meaningless is refused rather than ignored. */
static unsigned char given[O_END];

/* A signal is seen by one process; all stop together after the step in
 * which any saw one (interrupted is the same on every rank). */
static volatile sig_atomic_t signalled;
static int interrupted;

/* Rank 0 reads the input, writes the model and reports; in a job of one
 * process, that one. */
static int lead(void)
{
	return dist_rank() == 0;
}

/* Progress on the lead's terminal only. */
static void start_progress(progress *pr, const char *what, uint64_t total)
{
	progress_start(pr, what, total);
	pr->active &= lead();
}

static void on_interrupt(int sig)
{
	(void)sig;
	signalled = 1;
}

/* An option that the others leave without effect is a usage error, not a
 * setting quietly dropped. */
static void refuse_unused(void)
{
	static const struct { int code; const char *name; } tt_only[] = {
		{ O_BLOCKS, "--blocks" }, { O_DROPOUT, "--dropout" },
		{ O_ITEM_MLP, "--item-mlp" }, { O_NO_POS, "--no-positions" },
	};
	for (size_t i = 0; i < sizeof tt_only / sizeof *tt_only; i++)
		if (opt.cfg.arch == ARCH_SEED && given[tt_only[i].code])
			usage_error("%s is for --arch tt; the seed has no such part", tt_only[i].name);
	int drawn = opt.loss == LOSS_AUTO || opt.loss == LOSS_SAMPLED || opt.loss == LOSS_BCE;
	if (!drawn && given['n'])
		usage_error("--negatives is for --loss sampled or bce; %s draws none", loss_names[opt.loss]);
	if (!drawn && given[O_NEG_ALPHA])
		usage_error("--neg-alpha is for --loss sampled or bce; %s draws no negatives%s",
			loss_names[opt.loss], opt.loss == LOSS_INBATCH ? " (its negatives are the batch's targets)" : "");
	if (opt.no_features && given[O_ID_DROPOUT])
		usage_error("--id-dropout is for the item features, not with --no-features");
}

/* --init takes the model's architecture and sizes: a size the command
 * line gave that differs is refused, not overridden. */
static void refuse_other_shape(const model_config *c)
{
	const struct { int code; const char *name; double given, model; } shape[] = {
		{ 'd', "--dim", opt.cfg.E, c->E },
		{ O_HIDDEN, "--hidden", opt.cfg.F, c->F },
		{ O_HEADS, "--heads", opt.cfg.NH, c->NH },
		{ 'L', "--history", opt.cfg.L, c->L },
		{ O_BLOCKS, "--blocks", opt.cfg.blocks, c->blocks },
		{ O_DROPOUT, "--dropout", opt.cfg.dropout, c->dropout },
		{ O_ITEM_MLP, "--item-mlp", opt.cfg.item_mlp, c->item_mlp },
		{ O_NO_POS, "--no-positions", opt.cfg.positions, c->positions },
	};
	if (given['a'] && opt.cfg.arch != c->arch)
		usage_error("--arch %s contradicts the model of --init %s (%s), whose "
			"architecture and sizes training keeps", model_arch_name(opt.cfg.arch), opt.init,
			model_arch_name(c->arch));
	for (size_t i = 0; i < sizeof shape / sizeof *shape; i++)
		if (given[shape[i].code] && shape[i].given != shape[i].model)
			usage_error("%s %g contradicts the model of --init %s (%g), whose "
				"architecture and sizes training keeps", shape[i].name, shape[i].given,
				opt.init, shape[i].model);
}

static void parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "dim", required_argument, NULL, 'd' },
		{ "hidden", required_argument, NULL, O_HIDDEN },
		{ "heads", required_argument, NULL, O_HEADS },
		{ "history", required_argument, NULL, 'L' },
		{ "blocks", required_argument, NULL, O_BLOCKS },
		{ "dropout", required_argument, NULL, O_DROPOUT },
		{ "item-mlp", no_argument, NULL, O_ITEM_MLP },
		{ "no-positions", no_argument, NULL, O_NO_POS },
		{ "no-features", no_argument, NULL, O_NO_FEATURES },
		{ "id-dropout", required_argument, NULL, O_ID_DROPOUT },
		{ "epochs", required_argument, NULL, 'e' },
		{ "batch", required_argument, NULL, 'b' },
		{ "lr", required_argument, NULL, O_LR },
		{ "weight-decay", required_argument, NULL, O_WD },
		{ "loss", required_argument, NULL, O_LOSS },
		{ "lr-schedule", required_argument, NULL, O_SCHEDULE },
		{ "negatives", required_argument, NULL, 'n' },
		{ "neg-alpha", required_argument, NULL, O_NEG_ALPHA },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-steps", required_argument, NULL, O_MAX_STEPS },
		{ "init", required_argument, NULL, O_INIT },
		{ "valid", no_argument, NULL, O_VALID },
		{ "patience", required_argument, NULL, O_PATIENCE },
		{ "test", no_argument, NULL, O_TEST },
		{ "output", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, O_LOG },
		{ "level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	opt.threads = default_threads();
	int ch;
	while ((ch = getopt_long(argc, argv, "a:d:L:e:b:n:s:t:o:l:hV", longopts, NULL)) != -1) {
		if (ch > 0 && ch < O_END)
			given[ch] = 1;
		switch (ch) {
		case 'a':
			if (strcmp(optarg, "tt") == 0)
				opt.cfg.arch = ARCH_TT;
			else if (strcmp(optarg, "seed") == 0)
				opt.cfg.arch = ARCH_SEED;
			else
				usage_error("--arch: '%s' is not tt or seed", optarg);
			break;
		case 'd': opt.cfg.E = (int)parse_int("--dim", optarg, 1, 4096); break;
		case O_HIDDEN: opt.cfg.F = (int)parse_int("--hidden", optarg, 1, 65536); break;
		case O_HEADS: opt.cfg.NH = (int)parse_int("--heads", optarg, 1, 64); break;
		case 'L': opt.cfg.L = (int)parse_int("--history", optarg, 1, HISTORY_MAX); break;
		case O_BLOCKS: opt.cfg.blocks = (int)parse_int("--blocks", optarg, 1, MAX_BLOCKS); break;
		case O_DROPOUT: opt.cfg.dropout = (float)parse_double("--dropout", optarg, 0, 0.95); break;
		case O_ITEM_MLP: opt.cfg.item_mlp = 1; break;
		case O_NO_POS: opt.cfg.positions = 0; break;
		case O_NO_FEATURES: opt.no_features = 1; break;
		case O_ID_DROPOUT: opt.id_dropout = (float)parse_double("--id-dropout", optarg, 0, 1); break;
		case 'e': opt.epochs = (int)parse_int("--epochs", optarg, 1, 1000000); break;
		case 'b': opt.batch = (int)parse_int("--batch", optarg, 1, 1 << 20); break;
		case O_LR: opt.lr = parse_double("--lr", optarg, 0, 10); break;
		case O_WD: opt.weight_decay = parse_double("--weight-decay", optarg, 0, 10); break;
		case O_LOSS: {
			int i = 0;
			while (i < 4 && strcmp(optarg, loss_names[i]) != 0)
				i++;
			if (i == 4)
				usage_error("--loss: '%s' is not softmax, sampled, inbatch or bce", optarg);
			opt.loss = i;
			break;
		}
		case 'n':
			opt.negatives = (int)parse_int("--negatives", optarg, 1, 1 << 16);
			break;
		case O_SCHEDULE:
			for (opt.schedule = 0; opt.schedule < SCHED_END; opt.schedule++)
				if (strcmp(optarg, schedule_names[opt.schedule]) == 0)
					break;
			if (opt.schedule == SCHED_END)
				usage_error("--lr-schedule: '%s' is not constant, linear or plateau", optarg);
			opt.valid |= opt.schedule == SCHED_PLATEAU;
			break;
		case O_NEG_ALPHA: opt.neg_alpha = parse_double("--neg-alpha", optarg, 0, 4); break;
		case 's': opt.seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX); break;
		case 't': opt.threads = (int)parse_int("--threads", optarg, 1, 256); break;
		case O_MAX_STEPS: opt.max_steps = parse_int("--max-steps", optarg, 1, INT64_MAX); break;
		case O_INIT: opt.init = optarg; break;
		case O_VALID: opt.valid = 1; break;
		case O_PATIENCE: opt.patience = (int)parse_int("--patience", optarg, 0, 1000000); opt.valid = 1; break;
		case O_TEST: opt.test = 1; break;
		case 'o': opt.output = optarg; break;
		case O_LOG: opt.log = optarg; break;
		case 'l': opt.level = (int)parse_int("--level", optarg, 1, 19); break;
		case 'h': fputs(usage_text, stdout); stdout_close(); exit(0);
		case 'V': print_version();
		default: usage_hint();
		}
	}
	if (argc - optind > 1)
		usage_error("at most one input file");
	if (!given['t'] && dist_local_size() > 1) { /* the ranks here share the cores */
		opt.threads /= dist_local_size();
		if (opt.threads < 1)
			opt.threads = 1;
	}
	opt.input = optind < argc ? argv[optind] : NULL;
	if (opt.valid && !given[O_PATIENCE])
		opt.patience = PATIENCE;
	if (!opt.init && opt.cfg.E % opt.cfg.NH) /* --init: the model's sizes */
		usage_error("--dim %d is not a multiple of --heads %d", opt.cfg.E, opt.cfg.NH);
	if (opt.cfg.arch == ARCH_SEED) {
		/* the seed's recipe, unless asked otherwise */
		if (!given[O_HIDDEN]) opt.cfg.F = 128;
		opt.cfg.blocks = 1;
		if (!given['e']) opt.epochs = 8;
		if (!given['b']) opt.batch = 16;
		if (!given[O_LR]) opt.lr = 1e-3;
		if (!given[O_SCHEDULE]) opt.schedule = SCHED_CONSTANT;
		opt.cfg.dropout = 0.0f;
		opt.cfg.positions = 0;
	}
	refuse_unused();
}

/* The regime's settings where the command line gave none, and one line
 * on stderr that says which regime, why, and what it set (none when the
 * command line gave them all). */
static void choose_by_data(int64_t examples, int64_t N, int from_batches)
{
	double per_item = N ? (double)examples / N : 0.0;
	const regime *r = per_item < SPARSE_BELOW ? &sparse : &dense;
	char set[256] = "";
	size_t n = 0;
#define SET(code, field, value, fmt, ...) do { \
	if (!given[code]) { \
		field = value; \
		n += snprintf(set + n, n < sizeof set ? sizeof set - n : 0, fmt, __VA_ARGS__); \
	} } while (0)
	if (opt.cfg.arch == ARCH_TT && !opt.init) {
		SET(O_DROPOUT, opt.cfg.dropout, r->dropout, " --dropout %g", (double)r->dropout);
	}
	if (opt.cfg.arch == ARCH_TT) {
		SET(O_WD, opt.weight_decay, r->weight_decay, " --weight-decay %g", (double)r->weight_decay);
		int sched = r->schedule == SCHED_PLATEAU && !opt.valid ? SCHED_CONSTANT : r->schedule;
		SET(O_SCHEDULE, opt.schedule, sched, " --lr-schedule %s", schedule_names[sched]);
		int linear = r->schedule == SCHED_LINEAR;
		int epochs = linear || opt.valid ? r->epochs : SPARSE_EPOCHS_BLIND;
		if (!from_batches) /* a batch stream's epochs are its own */
			SET('e', opt.epochs, epochs, " --epochs %d%s", epochs,
			linear ? "" : opt.valid ? " (the validation split stops it)" : " (no validation split to stop it)");
	}
#undef SET
	if (lead() && n)
		fprintf(stderr, "%s: %.1f training examples per item, %s %g: the %s defaults:%s\n",
			progname, per_item, r == &sparse ? "under" : "at least", SPARSE_BELOW, r->name, set);
}

typedef struct {
	model *m;
	prep p;          /* the data (prep input) or only its id maps (batch input) */
	int from_batches;
	float *best;     /* best weights so far, with --valid */
	double best_ndcg;
	int best_epoch;
	int64_t step;
	int64_t planned; /* steps the whole run will take, for the schedule */
	double lr_scale; /* of --lr: 1, or PLATEAU_DROP after the plateau */
	FILE *log;
	output *out;
	char meta_extra[512];
} trainer;

/* The item features the prep stream's side data allows, unless
 * --no-features; one line on stderr says which. */
static void choose_features(const prep *p)
{
	model_config *c = &opt.cfg;
	if (opt.no_features || (!p->genres && !p->year && !p->titles))
		return;
	c->genres = p->genres ? p->n_genres : 0;
	c->year_buckets = p->year ? FEATURE_YEAR_BUCKETS : 0;
	c->title_buckets = p->titles ? FEATURE_TITLE_BUCKETS : 0;
	c->title_seed = FEATURE_TITLE_SEED;
	c->id_dropout = opt.id_dropout;
	if (lead())
		fprintf(stderr, "%s: item features: %d genres, years in %d buckets, title words "
			"in %d buckets; id dropout %g\n", progname, c->genres, c->year_buckets,
			c->title_buckets, (double)c->id_dropout);
}

/* A model with features learns its items' side data, and which items
 * its training rows hold (the others get their features alone). */
static void give_side_data(trainer *t)
{
	char err[256];
	const prep *p = &t->p;
	if (!model_has_features(model_cfg(t->m)))
		return;
	uint8_t *seen = calloc(p->n_items ? p->n_items : 1, 1);
	if (!seen)
		die_oom("the items seen in training", p->n_items ? p->n_items : 1);
	for (int64_t u = 0; u < p->n_users; u++)
		for (int64_t z = p->offsets[u]; z < prep_train_end(p, u); z++)
			seen[p->items[z]] = 1;
	if (model_set_item_side(t->m, p, seen, err, sizeof err))
		die("%s: %s", input_name(opt.input), err);
	free(seen);
}

static void write_model(trainer *t)
{
	if (t->best)
		memcpy(model_weights(t->m), t->best, model_num_params(t->m) * sizeof(float));
	FILE *f = output_file(t->out);
	tts_writer *w = stream_writer(f, opt.level);
	char err[256];
	snprintf(t->meta_extra, sizeof t->meta_extra,
		"epochs=%d\nbatch=%d\nlr=%g\nweight_decay=%g\nseed=%llu\nthreads=%d\nranks=%d\n"
		"steps=%lld\nbest_epoch=%d\nvalid_ndcg10=%.6f\nloss=%s\nnegatives=%d\n",
		opt.epochs, opt.batch, opt.lr, opt.weight_decay, (unsigned long long)opt.seed,
		opt.threads, dist_size(), (long long)t->step, t->best_epoch, t->best ? t->best_ndcg : 0.0,
		loss_names[opt.loss], opt.loss == LOSS_SOFTMAX || opt.loss == LOSS_INBATCH ? 0 : opt.negatives);
	if (model_write(w, t->m, &t->p, t->meta_extra) != 0) {
		snprintf(err, sizeof err, "%s", tts_writer_error(w));
		tts_writer_abort(w);
		die("%s: %s", opt.output ? opt.output : "standard output", err);
	}
	if (tts_writer_close(w, err, sizeof err) != 0)
		die("%s: %s", opt.output ? opt.output : "standard output", err);
	output_commit(t->out);
}

static int ks10[1] = { 10 };

static void report_split(trainer *t, int split, metrics_result *res)
{
	char err[256];
	if (evaluate(t->m, &t->p, split, ks10, 1, opt.threads, res, err, sizeof err))
		die("evaluation: %s", err);
}

/* One optimisation step; dies on a loss that is not finite.  Across
 * ranks, the model sums the gradients and the loss, and the signals seen
 * are summed here: every rank takes the same step and stops after it. */
static double step(trainer *t, const batch *bt, uint64_t *rng, int64_t epoch, int64_t *ex)
{
	double loss = model_step_grad(t->m, bt, rng, ex), seen = signalled;
	dist_sum_f64(&seen, 1);
	interrupted = seen > 0;
	if (!isfinite(loss))
		die("epoch %lld step %lld: the loss is %g; stopping, no model written",
			(long long)epoch, (long long)t->step + 1, loss);
	t->step++;
	double lr = opt.lr * t->lr_scale;
	if (opt.schedule == SCHED_LINEAR && t->planned > 0) /* linear to zero at the last planned step */
		lr *= 1.0 - (double)(t->step - 1) / t->planned;
	if (model_adam(t->m, (float)lr, 0.9f, 0.98f, 1e-8f, (float)opt.weight_decay, t->step))
		die_oom("the optimiser", 2 * model_num_params(t->m) * sizeof(float));
	return loss;
}

static void log_epoch(trainer *t, int64_t epoch, double loss, const metrics_result *v,
	double ex_per_s, double secs)
{
	if (!t->log)
		return;
	if (v)
		fprintf(t->log, "%lld\t%lld\t%.6f\t%.6f\t%.6f\t%.0f\t%.2f\n", (long long)epoch,
			(long long)t->step, loss, v->hr[0], v->ndcg[0], ex_per_s, secs);
	else
		fprintf(t->log, "%lld\t%lld\t%.6f\t\t\t%.0f\t%.2f\n", (long long)epoch,
			(long long)t->step, loss, ex_per_s, secs);
	fflush(t->log);
}


static void train_on_prep(trainer *t)
{
	batcher bb;
	batch bt;
	sampler neg;
	uint64_t rng = opt.seed ^ 0xd1b54a32d192ed03ULL;
	const model_config *c = model_cfg(t->m);
	/* bce's negatives come with the batches, one set per example;
	 * sampled's are drawn by the model, one set per batch */
	int64_t M = opt.loss == LOSS_BCE ? opt.negatives : 0;
	/* in-batch targets come by popularity: their log-Q is popularity's */
	double alpha = opt.loss == LOSS_INBATCH ? 1.0 : opt.neg_alpha;
	size_t weights = model_num_params(t->m) * sizeof(float);
	if (sampler_init(&neg, &t->p, alpha))
		die_oom("the negative sampler", (size_t)c->N * (sizeof(float) + sizeof(double)));
	if (model_set_loss(t->m, opt.loss, opt.negatives, opt.loss == LOSS_BCE ? NULL : &neg))
		die_oom("the loss's negatives", (size_t)opt.negatives * sizeof(int32_t));
	if (batcher_init(&bb, &t->p, c->L, opt.batch, M, &neg, opt.seed))
		die_oom("the batcher's rows (at most)", (size_t)t->p.n_inter * 3 * sizeof(int64_t));
	if (batch_alloc(&bt, opt.batch, c->L, M))
		die_oom("a batch", (size_t)opt.batch * c->L * (2 + M) * sizeof(int32_t));
	if (model_train_alloc(t->m, opt.batch, opt.threads))
		die_oom("a gradient of every weight per thread, and more", weights * opt.threads);
	if (model_adam_alloc(t->m))
		die_oom("the optimiser's moments", 2 * weights);
	int64_t per_epoch = prep_train_examples(&t->p);
	t->planned = (int64_t)opt.epochs * ((bb.n_rows + opt.batch - 1) / opt.batch);
	if (opt.max_steps && opt.max_steps < t->planned)
		t->planned = opt.max_steps;
	if (per_epoch == 0)
		die("%s: no training examples (every user needs 2 training interactions)",
			input_name(opt.input));
	double start = now_seconds();
	int since_best = 0;
	for (int64_t epoch = 1; epoch <= opt.epochs && !interrupted; epoch++) {
		progress pr;
		char extra[64];
		double t0 = now_seconds(), loss_sum = 0;
		int64_t seen = 0, nb = 0;
		snprintf(extra, sizeof extra, "epoch %lld/%d", (long long)epoch, opt.epochs);
		start_progress(&pr, extra, per_epoch);
		batcher_epoch(&bb, epoch);
		while (!interrupted && batcher_next(&bb, &bt)) {
			int64_t ex;
			double loss = step(t, &bt, &rng, epoch, &ex);
			loss_sum += loss;
			nb++;
			seen += ex;
			snprintf(extra, sizeof extra, "loss %.4f", loss_sum / nb);
			progress_update(&pr, seen, extra);
			if (opt.max_steps && t->step >= opt.max_steps)
				break;
		}
		progress_end(&pr);
		double secs = now_seconds() - t0, loss = nb ? loss_sum / nb : 0;
		metrics_result v, *vp = NULL;
		if (opt.valid && !interrupted) {
			report_split(t, SPLIT_VALID, &v);
			vp = &v;
			if (lead())
				fprintf(stderr, "%s: epoch %lld loss %.4f valid HR@10 %.4f NDCG@10 %.4f (%.0f examples/s)\n",
					progname, (long long)epoch, loss, v.hr[0], v.ndcg[0], seen / secs);
			if (v.ndcg[0] > t->best_ndcg || !t->best) {
				if (!t->best && !(t->best = malloc(model_num_params(t->m) * sizeof(float))))
					die_oom("the best epoch's weights", model_num_params(t->m) * sizeof(float));
				memcpy(t->best, model_weights(t->m), model_num_params(t->m) * sizeof(float));
				t->best_ndcg = v.ndcg[0];
				t->best_epoch = (int)epoch;
				since_best = 0;
			} else
				since_best++;
		}
		log_epoch(t, epoch, loss, vp, seen / secs, now_seconds() - start);
		if (opt.max_steps && t->step >= opt.max_steps)
			break;
		if (opt.patience && since_best >= opt.patience && epoch < opt.epochs) {
			if (opt.schedule == SCHED_PLATEAU && t->lr_scale == 1.0) {
				memcpy(model_weights(t->m), t->best, model_num_params(t->m) * sizeof(float));
				t->lr_scale = PLATEAU_DROP;
				since_best = 0;
				if (lead())
					fprintf(stderr, "%s: no better validation NDCG@10 for %d epochs: on from "
						"epoch %d's weights at %g of the rate (--lr-schedule plateau)\n",
						progname, opt.patience, t->best_epoch, PLATEAU_DROP);
				continue;
			}
			if (lead())
				fprintf(stderr, "%s: stopped after epoch %lld: no better validation NDCG@10 "
					"for %d epochs (--patience); keeping epoch %d's weights\n", progname,
					(long long)epoch, opt.patience, t->best_epoch);
			break;
		}
	}
	batch_free(&bt);
	batcher_free(&bb);
	sampler_free(&neg);
}

static void read_log_q(tts_reader *r, const tts_header *h, float **log_q, int64_t N)
{
	if (h->dtype != TTS_F32 || h->rank != 1 || (int64_t)h->dims[0] != N)
		die("%s: record log_q: expected f32 (%lld)", input_name(opt.input), (long long)N);
	free(*log_q);
	if (!(*log_q = tts_read_alloc(r, h, 0)))
		die("%s: %s", input_name(opt.input), tts_reader_error(r));
}

static void train_on_batches(trainer *t, tts_reader *r)
{
	batch bt;
	tts_header h;
	char err[256];
	uint64_t rng = opt.seed ^ 0xd1b54a32d192ed03ULL;
	const model_config *c = model_cfg(t->m);
	float *log_q = NULL;
	sampler q = { 0 };
	memset(&bt, 0, sizeof bt);
	double t0 = now_seconds(), loss_sum = 0;
	int64_t seen = 0, nb = 0;
	int rc;
	progress pr;
	start_progress(&pr, "training", 0);
	while (!interrupted && (rc = batch_read(r, &bt, &h, err, sizeof err)) != 0) {
		if (rc < 0)
			die("%s: %s; no model written", input_name(opt.input), err);
		if (rc == 2) { /* id maps and log_q come before the batches */
			if (strcmp(h.name, "log_q") == 0)
				read_log_q(r, &h, &log_q, c->N);
			else if (ids_read_record(r, &h, &t->p, err, sizeof err) < 0)
				die("%s: %s", input_name(opt.input), err);
			continue;
		}
		if (batch_check(&bt, c->U, c->N, c->L, err, sizeof err))
			die("%s: batch %lld: %s", input_name(opt.input), (long long)nb + 1, err);
		if (opt.loss == LOSS_BCE && bt.M == 0)
			die("%s: --loss bce needs negatives in the batches (tt-batch --negatives)",
				input_name(opt.input));
		/* the negatives of the other losses follow the stream's log_q,
		 * which comes before the first batch */
		if (opt.loss != LOSS_BCE && !q.log_q && sampler_init_log_q(&q, log_q, c->N))
			die_oom("the negative sampler", (size_t)c->N * (sizeof(float) + sizeof(double)));
		if (model_set_loss(t->m, opt.loss, opt.loss == LOSS_BCE ? bt.M : opt.negatives,
			opt.loss == LOSS_BCE ? NULL : &q) ||
		    model_train_alloc(t->m, bt.B, opt.threads) || model_adam_alloc(t->m))
			die_oom("a batch's activations and the optimiser's moments",
				(size_t)bt.B * c->L * c->E * sizeof(float) * opt.threads +
				2 * model_num_params(t->m) * sizeof(float));
		int64_t ex;
		loss_sum += step(t, &bt, &rng, 1, &ex);
		nb++;
		seen += ex;
		progress_update(&pr, seen, NULL);
		if (opt.max_steps && t->step >= opt.max_steps)
			break;
	}
	progress_end(&pr);
	double secs = now_seconds() - t0;
	log_epoch(t, 1, nb ? loss_sum / nb : 0, NULL, seen / secs, secs);
	batch_free(&bt);
	sampler_free(&q);
	free(log_q);
}

/* The default objective.  The full softmax costs one dot product per item
 * for every example; a softmax over the target and SHARED_NEGATIVES items
 * drawn for the whole batch costs the same for any catalogue, and
 * matches the full softmax's quality when the negatives are many
 * (Klenitskiy and Vasilev, RecSys 2023: 3,000 on MovieLens-1M).  Many,
 * not all: on ML-1M's 3,416 items the full softmax was still 1.4% ahead
 * in NDCG@10, outside three seeds' spread.  So the full softmax while
 * it costs at most twice the sampled one (up to twice as many items as
 * negatives), the sampled one beyond. */
static void choose_loss(int64_t N)
{
	if (!given['n'])
		opt.negatives = opt.loss == LOSS_BCE ? BCE_NEGATIVES : SHARED_NEGATIVES;
	if (opt.loss != LOSS_AUTO)
		return;
	int64_t most = 2 * (int64_t)opt.negatives;
	opt.loss = N > most ? LOSS_SAMPLED : LOSS_SOFTMAX;
	if (opt.loss == LOSS_SOFTMAX && (given['n'] || given[O_NEG_ALPHA]) && lead())
		fprintf(stderr, "%s: %lld items, no more than %lld (twice the negatives): the "
			"full softmax over all of them, no negatives drawn\n", progname,
			(long long)N, (long long)most);
	if (opt.loss == LOSS_SAMPLED && lead())
		fprintf(stderr, "%s: %lld items, more than %lld: sampled softmax over %d "
			"negatives shared by each batch (--loss softmax for the full one)\n",
			progname, (long long)N, (long long)most, opt.negatives);
}

/* A batch stream's sizes, from its meta; the id maps follow as records.
 * The rows were cut to the stream's history: an --history that says
 * otherwise is a mistake, not a wish. */
static void take_batch_header(trainer *t, batch_meta bm)
{
	if (given['L'] && bm.history != opt.cfg.L)
		usage_error("--history %d: the batch stream's rows have %lld slots (tt-batch --history)",
			opt.cfg.L, (long long)bm.history);
	/* the schedule plans for the batches the stream says it holds */
	t->planned = bm.steps;
	if (opt.max_steps && opt.max_steps < t->planned)
		t->planned = opt.max_steps;
	opt.cfg.U = bm.users;
	opt.cfg.N = bm.items;
	opt.cfg.L = (int)bm.history;
	opt.epochs = (int)bm.epochs; /* for the model's meta: the stream's own */
	opt.batch = (int)bm.batch;
	t->p.n_users = bm.users;
	t->p.n_items = bm.items;
}

int main(int argc, char **argv)
{
	char err[512];
	trainer t;
	memset(&t, 0, sizeof t);
	t.lr_scale = 1.0;
	cli_init(argv);
	if (dist_init(&argc, &argv))
		die("started by mpirun, but built without MPI: build with make MPI=1");
	parse_options(argc, argv);
	if (blas_start(opt.threads) != 0)
		die_oom("BLAS's buffers", blas_buffer_bytes(opt.threads));

	FILE *in = dist_input(lead() ? input_open(opt.input) : NULL);
	if (!in)
		die_errno("%s", input_name(opt.input));
	tts_reader *r = stream_reader(in);
	tts_header h;
	int rc = tts_next(r, &h);
	if (rc <= 0 || strcmp(h.name, "meta") != 0)
		die("%s: %s", input_name(opt.input),
			rc < 0 ? tts_reader_error(r) : "expected a prep or batch stream (no meta record)");
	char *meta = tts_read_alloc(r, &h, 1 << 20), kind[32] = "";
	if (!meta)
		die("%s: %s", input_name(opt.input), tts_reader_error(r));
	tts_meta_get(meta, "kind", kind, sizeof kind);
	if (strcmp(kind, "prep") == 0) {
		int bad = prep_read_body(r, meta, &t.p, err, sizeof err);
		free(meta);
		if (bad)
			die("%s: %s", input_name(opt.input), err);
		opt.cfg.U = t.p.n_users;
		opt.cfg.N = t.p.n_items;
		choose_by_data(prep_train_examples(&t.p), t.p.n_items, 0);
		if (!opt.init)
			choose_features(&t.p);
	} else if (strcmp(kind, "batch") == 0) {
		batch_meta bm;
		int bad = batch_meta_parse(meta, &bm, err, sizeof err);
		free(meta);
		if (bad)
			die("%s: %s", input_name(opt.input), err);
		if (opt.valid || opt.test)
			usage_error("--valid, --patience, --test and --lr-schedule plateau need a prep stream, not batches");
		t.from_batches = 1;
		choose_by_data(bm.examples_per_epoch, bm.items, 1);
		take_batch_header(&t, bm);
	} else {
		free(meta);
		die("%s: expected a prep or batch stream, not kind=%s", input_name(opt.input), kind);
	}
	choose_loss(opt.cfg.N);

	if (opt.init) {
		prep ids;
		FILE *f = dist_input(lead() ? input_open(opt.init) : NULL);
		if (!f)
			die_errno("%s", opt.init);
		tts_reader *mr = stream_reader(f);
		int bad = model_read(mr, &t.m, &ids, NULL, err, sizeof err);
		tts_reader_close(mr);
		if (bad)
			die("%s: %s", opt.init, err);
		fclose(f);
		prep_free(&ids);
		const model_config *c = model_cfg(t.m);
		if (c->U != opt.cfg.U || c->N != opt.cfg.N)
			die("%s: the model has %lld users and %lld items, the data %lld and %lld",
				opt.init, (long long)c->U, (long long)c->N,
				(long long)opt.cfg.U, (long long)opt.cfg.N);
		refuse_other_shape(c);
	} else {
		if (!(t.m = model_new(&opt.cfg, err, sizeof err)))
			die("model: %s", err);
		model_init_weights(t.m, opt.seed);
	}
	if (!t.from_batches)
		give_side_data(&t);
	model_set_parts(t.m, dist_rank(), dist_size());

	if (lead()) {
		/* mpirun hands its ranks a terminal for stdout, whatever its own is */
		if ((!opt.output || strcmp(opt.output, "-") == 0) && dist_size() == 1)
			refuse_tty(stdout);
		t.out = output_open(opt.output);
		if (opt.log && !(t.log = fopen(opt.log, "w")))
			die_errno("%s", opt.log);
	}
	if (t.log)
		fprintf(t.log, "epoch\tstep\tloss\tvalid_hr10\tvalid_ndcg10\texamples_per_s\tseconds\n");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (t.from_batches) {
		train_on_batches(&t, r);
		if (!t.p.user_ids) { /* a batch stream carries no ids: number them */
			t.p.user_ids = malloc(t.p.n_users * sizeof *t.p.user_ids);
			t.p.item_ids = malloc(t.p.n_items * sizeof *t.p.item_ids);
			if (!t.p.user_ids || !t.p.item_ids)
				die_oom("the ids", (size_t)(t.p.n_users + t.p.n_items) * sizeof *t.p.user_ids);
			for (int64_t i = 0; i < t.p.n_users; i++) t.p.user_ids[i] = i + 1;
			for (int64_t i = 0; i < t.p.n_items; i++) t.p.item_ids[i] = i + 1;
		}
	} else {
		train_on_prep(&t);
	}
	if (opt.test && !interrupted && lead()) {
		metrics_result res;
		if (t.best)
			memcpy(model_weights(t.m), t.best, model_num_params(t.m) * sizeof(float));
		report_split(&t, SPLIT_TEST, &res);
		fprintf(stderr, "%s: test HR@10 %.4f NDCG@10 %.4f (%lld users)\n", progname,
			res.hr[0], res.ndcg[0], (long long)res.users);
	}
	if (lead() && dist_size() > 1 && t.step > 0)
		fprintf(stderr, "%s: %d processes, %lld steps, %.0f bytes summed per step\n", progname,
			dist_size(), (long long)t.step, (double)dist_summed_bytes() / t.step);
	if (lead())
		write_model(&t);
	if (t.log && fclose(t.log) != 0)
		die_errno("%s", opt.log);
	tts_reader_close(r);
	model_free(t.m);
	prep_free(&t.p);
	free(t.best);
	if (lead())
		stdout_close();
	dist_finish();
	return interrupted || signalled ? EXIT_INTERRUPTED : 0;
}
