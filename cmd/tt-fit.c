/* tt-fit - train the two-tower model on a prep or batch stream. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "blas.h"
#include "cli.h"
#include "dist.h"
#include "error.h"
#include "evaluate.h"
#include "model.h"
#include "prep.h"
#include "train.h"
#include "tts.h"

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
"  -L, --history L        history slots (" HISTORY_DEFAULT_TEXT ")\n"
"      --blocks N         tt: transformer blocks (2)\n"
"      --dropout P        tt: dropout rate (0.1; sparse 0.5)\n"
"      --item-mlp         tt: an MLP on the item tower (the seed's)\n"
"      --no-positions     tt: no slot embeddings\n"
"      --rel-pos          tt, experimental: a learned bias in each attention by\n"
"                         the key's distance back from the query (recency)\n"
"      --no-features      ids only: no item features from the prep stream's\n"
"                         genres, years and titles (used when it has them)\n"
"Training:\n"
"  -e, --epochs N         passes over the training data (tt 24, seed 8; sparse\n"
"                         200 stopped by --valid, else 40)\n"
"  -b, --batch B          rows per step (tt " BATCH_DEFAULT_TEXT ", seed 16)\n"
"      --lr RATE          Adam learning rate (tt 0.002, seed 0.001)\n"
"      --weight-decay W   AdamW decoupled weight decay (0; sparse 0.3)\n"
"      --lr-schedule S    constant; linear: decay to 0 by the last step; or\n"
"                         plateau: a tenth of the rate from the best epoch once\n"
"                         the validation split stalls (implies --valid)\n"
"                         (tt linear, sparse plateau, seed constant)\n"
"      --loss NAME        softmax (over every item) or sampled (over the target\n"
"                         and negatives shared by the batch, log-Q corrected);\n"
"                         default: softmax up to twice the negatives, sampled\n"
"                         beyond (6,000 items)\n"
"  -n, --negatives M      sampled: negatives shared by a batch (3000)\n"
"      --precision P      the logits' products: bf16 (bfloat16 operands, float\n"
"                         sums) or fp32; default bf16 where the CPU has\n"
"                         AVX-512 BF16\n"
"  -s, --seed S           random seed (1)\n"
"  -t, --threads N        threads (TT_THREADS or 2)\n"
"      --max-steps N      stop after N steps\n"
"      --init FILE        start from this model's weights, rows carried by id;\n"
"                         its architecture's defaults, as if --arch named it\n"
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
"  -h, --help             this help\n"
"  -V, --version          version\n"
"Sparse data: under 50 training examples per item (tt-fit(1), THE DEFAULTS\n"
"BY THE DATA); tt-fit says which defaults it chose.\n";

/* Zero and -1 where train_choose() chooses by the data. */
static train_options opt = {
	.cfg = { .arch = ARCH_AUTO, .dropout = -1, .positions = -1 },
	.lr = -1, .weight_decay = -1, .schedule = SCHED_AUTO, .loss = LOSS_AUTO,
	.precision = PRECISION_AUTO, .patience = -1, .seed = 1,
};
static int no_features, test;
static const char *input, *out_path, *log_path, *init_path;

enum { O_HIDDEN = 256, O_HEADS, O_BLOCKS, O_DROPOUT, O_ITEM_MLP, O_NO_POS, O_REL_POS, O_LR, O_WD,
	O_MAX_STEPS, O_INIT, O_VALID, O_PATIENCE, O_TEST, O_LOG, O_LOSS, O_PRECISION, O_SCHEDULE,
	O_NO_FEATURES };

/* A signal is seen by one process; the trainer stops all together after
 * the step in which any saw one. */
static volatile sig_atomic_t signalled;

/* Rank 0 reads the input, writes the model and reports; in a job of one
 * process, that one. */
static int lead(void)
{
	return dist_rank() == 0;
}

static void note(void *ctx, const char *line)
{
	(void)ctx;
	if (lead())
		warnx_("%s", line);
}

static void parse_options(int argc, char **argv)
{
	static const char *const archs[] = { "tt", "seed" };
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
		{ "rel-pos", no_argument, NULL, O_REL_POS },
		{ "no-features", no_argument, NULL, O_NO_FEATURES },
		{ "epochs", required_argument, NULL, 'e' },
		{ "batch", required_argument, NULL, 'b' },
		{ "lr", required_argument, NULL, O_LR },
		{ "weight-decay", required_argument, NULL, O_WD },
		{ "loss", required_argument, NULL, O_LOSS },
		{ "precision", required_argument, NULL, O_PRECISION },
		{ "lr-schedule", required_argument, NULL, O_SCHEDULE },
		{ "negatives", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-steps", required_argument, NULL, O_MAX_STEPS },
		{ "init", required_argument, NULL, O_INIT },
		{ "valid", no_argument, NULL, O_VALID },
		{ "patience", required_argument, NULL, O_PATIENCE },
		{ "test", no_argument, NULL, O_TEST },
		{ "output", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, O_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "a:d:L:e:b:n:s:t:o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': opt.cfg.arch = parse_choice("--arch", optarg, archs, 2) == 0 ? ARCH_TT : ARCH_SEED; break;
		case 'd': opt.cfg.E = (int)parse_int("--dim", optarg, 1, 4096); break;
		case O_HIDDEN: opt.cfg.F = (int)parse_int("--hidden", optarg, 1, 65536); break;
		case O_HEADS: opt.cfg.NH = (int)parse_int("--heads", optarg, 1, 64); break;
		case 'L': opt.cfg.L = (int)parse_int("--history", optarg, 1, HISTORY_MAX); break;
		case O_BLOCKS: opt.cfg.blocks = (int)parse_int("--blocks", optarg, 1, MAX_BLOCKS); break;
		case O_DROPOUT: opt.cfg.dropout = (float)parse_double("--dropout", optarg, 0, 0.95); break;
		case O_ITEM_MLP: opt.cfg.item_mlp = 1; break;
		case O_NO_POS: opt.cfg.positions = 0; break;
		case O_REL_POS: opt.cfg.rel_pos = 1; break;
		case O_NO_FEATURES: no_features = 1; break;
		case 'e': opt.epochs = (int)parse_int("--epochs", optarg, 1, 1000000); break;
		case 'b': opt.batch = (int)parse_int("--batch", optarg, 1, 1 << 20); break;
		case O_LR: opt.lr = parse_double("--lr", optarg, 0, 10); break;
		case O_WD: opt.weight_decay = parse_double("--weight-decay", optarg, 0, 10); break;
		case O_LOSS: opt.loss = parse_choice("--loss", optarg, train_loss_names, LOSS_END); break;
		case O_PRECISION:
			opt.precision = parse_choice("--precision", optarg, train_precision_names,
				PRECISION_END);
			break;
		case 'n': opt.negatives = (int)parse_int("--negatives", optarg, 1, 1 << 16); break;
		case O_SCHEDULE:
			opt.schedule = parse_choice("--lr-schedule", optarg, train_schedule_names, SCHED_END);
			break;
		case 's': opt.seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX); break;
		case 't': opt.threads = parse_threads(optarg); break;
		case O_MAX_STEPS: opt.max_steps = parse_int("--max-steps", optarg, 1, INT64_MAX); break;
		case O_INIT: init_path = optarg; break;
		case O_VALID: opt.valid = 1; break;
		case O_PATIENCE: opt.patience = (int)parse_int("--patience", optarg, 0, 1000000); break;
		case O_TEST: test = 1; break;
		case 'o': out_path = optarg; break;
		case O_LOG: log_path = optarg; break;
		case 'h': fputs(usage_text, stdout); stdout_close(); exit(0);
		case 'V': print_version();
		default: usage_hint();
		}
	}
	if (argc - optind > 1)
		usage_error("at most one input file");
	input = optind < argc ? argv[optind] : NULL;
	if (!opt.threads) { /* the ranks of one machine share its cores */
		int cores = default_threads();
		opt.threads = cores / dist_local_size() > 0 ? cores / dist_local_size() : 1;
	}
	opt.init = init_path != NULL;
	const char *inputs[] = { input, init_path, out_path };
	for (size_t i = 0; log_path && i < sizeof inputs / sizeof *inputs; i++)
		if (same_file(log_path, inputs[i]))
			usage_error("--log %s is also %s: it would be overwritten", log_path,
				i == 0 ? "the input" : i == 1 ? "the model of --init" : "the model written");
	char err[512];
	if (train_options_given(&opt, err, sizeof err))
		usage_error("%s", err);
}

/* Progress: a bar over the whole run on the lead's terminal, and a line
 * an epoch on stderr, terminal or not. */
typedef struct {
	progress bar;
	char what[64], extra[64];
	FILE *log;
	int64_t run_examples; /* the examples the whole run plans, for the bar */
	prep *p;              /* for validation */
} report;

static void on_step(void *ctx, const train_progress *pr)
{
	report *rp = ctx;
	uint64_t done = (uint64_t)((pr->epoch - 1) * pr->per_epoch + pr->seen);
	if (pr->per_epoch == 0 && pr->planned > 0) /* a batch stream: by steps */
		done = (uint64_t)pr->step * (uint64_t)rp->run_examples / (uint64_t)pr->planned;
	snprintf(rp->what, sizeof rp->what, "epoch %lld/%lld", (long long)pr->epoch,
		(long long)pr->epochs);
	snprintf(rp->extra, sizeof rp->extra, "loss %.4f", pr->loss);
	progress_update(&rp->bar, done, rp->extra);
}

static void on_epoch(void *ctx, const train_progress *pr)
{
	report *rp = ctx;
	double rate = pr->epoch_seconds > 0 ? pr->seen / pr->epoch_seconds : 0;
	if (rp->log) {
		if (pr->valid)
			fprintf(rp->log, "%lld\t%lld\t%.6f\t%.6f\t%.6f\t%.0f\t%.2f\n", (long long)pr->epoch,
				(long long)pr->step, pr->loss, pr->hr10, pr->ndcg10, rate, pr->seconds);
		else
			fprintf(rp->log, "%lld\t%lld\t%.6f\t\t\t%.0f\t%.2f\n", (long long)pr->epoch,
				(long long)pr->step, pr->loss, rate, pr->seconds);
		if (fflush(rp->log) != 0 || ferror(rp->log))
			die_errno("--log %s", log_path);
	}
	if (!lead())
		return;
	char valid[64] = "", pace[128];
	if (pr->valid)
		snprintf(valid, sizeof valid, " valid HR@10 %.4f NDCG@10 %.4f", pr->hr10, pr->ndcg10);
	/* the plan's steps: patience (a validation split's, not --patience 0)
	 * may stop the run sooner */
	format_pace(pace, sizeof pace, rate, "examples", pr->seconds,
		pr->step ? pr->seconds * (pr->planned - pr->step) / pr->step : 0,
		opt.patience > 0 && pr->epoch < pr->epochs);
	progress_end(&rp->bar);
	warnx_("epoch %lld/%lld loss %.4f%s %s", (long long)pr->epoch, (long long)pr->epochs,
		pr->loss, valid, pace);
}

/* HR@10 and NDCG@10 of m on a split of p. */
static int at10(model *m, const prep *p, int split, metrics_result *res, char *err, size_t errlen)
{
	static const int k10 = 10;
	return evaluate(m, p, split, &k10, 1, opt.threads, res, err, errlen);
}

static int validate(void *ctx, model *m, double *hr10, double *ndcg10, char *err, size_t errlen)
{
	metrics_result res;
	if (at10(m, ((report *)ctx)->p, SPLIT_VALID, &res, err, errlen))
		return -1;
	*hr10 = res.hr[0];
	*ndcg10 = res.ndcg[0];
	return 0;
}

/* A lib/ failure: out of memory, or what of the data cannot train. */
static void check(int rc, const char *err)
{
	if (rc == ERR_NOMEM)
		die("%s", err);
	if (rc)
		die("%s: %s", input_name(input), err);
}

/* The model of --init and its ids: its shape training keeps, and its
 * architecture's recipe, chosen after it. */
static model *read_init(prep *ids)
{
	char err[512];
	model *m;
	FILE *f = dist_input(lead() ? input_open(init_path) : NULL);
	if (!f)
		die_errno("%s", init_path);
	if (model_load(f, &m, ids, err, sizeof err))
		die("%s: %s", init_path, err);
	fclose(f);
	if (no_features && model_has_features(model_cfg(m)))
		usage_error("--no-features contradicts the model of --init %s, which has item "
			"features, whose architecture and sizes training keeps", init_path);
	if (train_keep_shape(&opt, model_cfg(m), init_path, err, sizeof err))
		usage_error("%s", err);
	return m;
}

/* The model m of --init (its ids ids), for the data of a prep stream p:
 * its rows carried to p's ids; for a batch stream (p NULL), m. */
static model *carry_init(model *m, prep *ids, const prep *p)
{
	char err[512];
	model *carried = p ? train_carry(m, ids, p, opt.seed, init_path, note, NULL, err, sizeof err) : m;
	if (!carried)
		die("%s: %s", init_path, err);
	if (carried != m) {
		model_free(m);
		prep_free(ids);
	}
	return carried;
}

static void write_model(trainer *t, const prep *ids, output *out)
{
	char meta[512];
	tts_writer *w = stream_writer(output_file(out), 3);
	train_meta(t, meta, sizeof meta);
	stream_commit(w, model_write(w, t->m, ids, meta), out, out_path);
}

int main(int argc, char **argv)
{
	char err[512];
	prep p;
	trainer t;
	report rp = { .p = &p };
	cli_init(argv);
	if (dist_init(&argc, &argv))
		die("started by mpirun, but built without MPI: build with make MPI=1");
	parse_options(argc, argv);
	if (blas_start(opt.threads) != 0)
		die_oom("BLAS's buffers", blas_buffer_bytes(opt.threads));

	FILE *in = dist_input(lead() ? input_open(input) : NULL);
	if (!in)
		die_errno("%s", input_name(input));
	/* mpirun hands its ranks a terminal for stdout, whatever its own is */
	if (lead() && (!out_path || strcmp(out_path, "-") == 0) && dist_size() == 1)
		refuse_tty(stdout);
	/* opened before training, so an unwritable -o costs no epochs */
	output *out = lead() ? output_open(out_path) : NULL;
	/* static: reachable when a later step dies (no leak to report) */
	static tts_reader *r;
	r = stream_reader(in);
	tts_reader_stop_on(r, &signalled);
	batch_meta bm;
	int from_batches = train_read_input(r, &p, &bm, err, sizeof err);
	if (from_batches < 0)
		die("%s: %s", input_name(input), err);
	static prep init_ids; /* a batch stream's must be the model's */
	model *init = opt.init ? read_init(&init_ids) : NULL;
	if (!from_batches) {
		if (test && !split_users(&p, SPLIT_TEST))
			die("%s: --test: no user has a test target (a prep stream of --split none?)",
				input_name(input));
		train_choose_prep(&opt, &p, !no_features, note, NULL);
	} else {
		if (opt.valid || test)
			usage_error("--valid, --patience, --test and --lr-schedule plateau need a prep stream, not batches");
		if (train_choose_batches(&opt, &bm, note, NULL, err, sizeof err))
			usage_error("%s", err);
	}

	model *m = !opt.init ? model_new(&opt.cfg, err, sizeof err)
		: carry_init(init, &init_ids, from_batches ? NULL : &p);
	if (!m)
		die("model: %s", err);
	if (!opt.init)
		model_init_weights(m, opt.seed);
	if (!from_batches)
		check(train_give_side_data(m, &p, err, sizeof err), err);
	model_set_parts(m, dist_rank(), dist_size());

	if (lead() && log_path && !(rp.log = fopen(log_path, "w")))
		die_errno("%s", log_path);
	if (rp.log && (fputs("epoch\tstep\tloss\tvalid_hr10\tvalid_ndcg10\texamples_per_s\tseconds\n",
	    rp.log) < 0 || fflush(rp.log) != 0))
		die_errno("--log %s", log_path);
	cli_stop_on(&signalled);

	train_hooks hooks = { .ctx = &rp, .validate = validate, .step = on_step, .epoch = on_epoch,
		.note = note, .stop = &signalled };
	train_init(&t, m, &opt, &hooks);
	rp.run_examples = from_batches ? bm.examples_per_epoch * bm.epochs
		: prep_train_examples(&p) * opt.epochs;
	progress_start(&rp.bar, rp.what, (uint64_t)rp.run_examples);
	rp.bar.active &= lead();
	if (from_batches) {
		check(train_batch_stream(&t, r, &bm, &p, opt.init ? &init_ids : NULL, err, sizeof err), err);
	} else {
		check(train_prep(&t, &p, err, sizeof err), err);
	}
	progress_end(&rp.bar);
	train_finish(&t);
	if (test && !t.interrupted && lead()) {
		metrics_result res;
		if (at10(m, &p, SPLIT_TEST, &res, err, sizeof err))
			die("evaluation: %s", err);
		warnx_("test HR@10 %.4f NDCG@10 %.4f (%lld users)", res.hr[0], res.ndcg[0],
			(long long)res.users);
	}
	if (lead() && dist_size() > 1 && t.step > 0)
		warnx_("%d processes, %lld steps, %.0f bytes summed per step", dist_size(),
			(long long)t.step, (double)dist_summed_bytes() / t.step);
	if (lead())
		write_model(&t, &p, out);
	if (lead() && (t.interrupted || signalled))
		warnx_("%s after %lld steps: %s written to %s", strsignal(signalled ? signalled : SIGINT),
			(long long)t.step,
			t.best ? "the best epoch's weights" : "the weights so far",
			out_path && strcmp(out_path, "-") ? out_path : "standard output");
	if (rp.log && fclose(rp.log) != 0)
		die_errno("--log %s", log_path);
	tts_reader_close(r);
	train_free(&t);
	model_free(m);
	prep_free(&p);
	prep_free(&init_ids);
	if (lead())
		stdout_close();
	dist_finish();
	return t.interrupted || signalled ? EXIT_INTERRUPTED : 0;
}
