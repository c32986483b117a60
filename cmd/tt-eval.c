/* tt-eval - HR@K, NDCG@K, MRR and coverage of recommendations. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "embed_stream.h"
#include "metrics.h"
#include "prep.h"

static void usage(void)
{
	printf("usage: %s [options] PREP.tts [RECS.tts]\n"
		"Ranking quality of a recs stream (standard input by default) against\n"
		"the held-out item of each user in PREP.tts.\n"
		"      --k LIST          cut-offs, e.g. 1,5,10,20 (default 10,20)\n"
		"      --split SPLIT     test (default) or valid\n"
		"      --tsv             print 'metric TAB k TAB value' lines\n"
		"      --baseline pop    also rank by training popularity; alone when\n"
		"                        no RECS.tts is given\n"
		"  -h, --help            show this help and exit\n"
		"      --version         show the version and exit\n",
		progname);
}

typedef struct {
	int ks[METRICS_MAX_KS], nks;
	int valid, tsv, pop;
} options;

static int64_t target_of(const prep *p, int64_t u, int valid)
{
	int64_t z = valid ? p->valid[u] : p->test[u];
	return z >= 0 ? p->items[z] : -1;
}

static void read_prep(const char *path, prep *p)
{
	FILE *f = input_open(path);
	tts_reader *r = tts_reader_open(f);
	char err[256];
	if (!r)
		die("out of memory");
	if (prep_read(r, p, err, sizeof err) < 0)
		die("%s: %s", path, err);
	tts_reader_close(r);
	if (f != stdin)
		fclose(f);
}

static void start(metrics *m, const options *opt, const prep *p)
{
	char err[256];
	if (metrics_init(m, opt->ks, opt->nks, p->n_items, err, sizeof err) < 0)
		die("%s", err);
}

/* The recs stream against the split's targets. */
static void eval_recs(const options *opt, const prep *p, const char *path,
	metrics *m)
{
	const char *name = input_name(path);
	const char *split = opt->valid ? "valid" : "test";
	FILE *f = input_open(path);
	tts_reader *r = tts_reader_open(f);
	recs_reader rr;
	recs_group g = { 0 };
	if (!r)
		die("out of memory");
	if (recs_reader_open(&rr, r) < 0)
		die("%s: %s", name, rr.g.err);
	if (rr.k < m->kmax)
		die("%s: k=%d, fewer than the largest --k (%d)", name, rr.k, m->kmax);
	if (rr.at[0] && strcmp(rr.at, split) != 0)
		warnx_("%s: recommendations made at=%s, evaluated on the %s split",
			name, rr.at, split);
	uint8_t *done = calloc(p->n_users + 1, 1);
	if (!done)
		die("out of memory");
	int rc;
	while ((rc = recs_read_group(&rr, &g)) == 1) {
		for (int64_t i = 0; i < g.n; i++) {
			int64_t u = g.users[i];
			if (u < 0 || u >= p->n_users)
				die("%s: user index %" PRId64 " outside the %" PRId64
					" users of the data set", name, u, p->n_users);
			if (g.user_ids[i] != p->user_ids[u])
				die("%s: user index %" PRId64 " is user %" PRId64
					", the data set says %" PRId64 "", name, u,
					g.user_ids[i], p->user_ids[u]);
			if (done[u])
				die("%s: user %" PRId64 " twice", name, g.user_ids[i]);
			done[u] = 1;
			int64_t t = target_of(p, u, opt->valid);
			if (t >= 0)
				metrics_add(m, g.items + i * g.k, g.k, (int32_t)t);
		}
	}
	if (rc < 0)
		die("%s: %s", name, rr.g.err);
	int64_t missing = 0, with_target = 0;
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t t = target_of(p, u, opt->valid);
		if (t < 0)
			continue;
		with_target++;
		if (!done[u]) {
			metrics_add(m, NULL, 0, (int32_t)t);
			missing++;
		}
	}
	if (missing)
		warnx_("%s: %" PRId64 " of %" PRId64 " users with a %s target have no "
			"recommendations; counted as misses", name, missing,
			with_target, split);
	free(done);
	recs_group_free(&g);
	recs_reader_close(&rr);
	tts_reader_close(r);
	if (f != stdin)
		fclose(f);
}

/* Popularity in training, the items seen before the target excluded. */
static void eval_pop(const options *opt, const prep *p, metrics *m)
{
	int32_t *order = malloc((p->n_items + 1) * sizeof *order);
	int32_t *list = malloc(m->kmax * sizeof *list);
	uint8_t *mark = calloc(p->n_items + 1, 1);
	if (!order || !list || !mark || pop_order(p, order) < 0)
		die("out of memory");
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t z = opt->valid ? p->valid[u] : p->test[u];
		if (z < 0)
			continue;
		pop_recommend(order, p->n_items, p->items + p->offsets[u],
			z - p->offsets[u], mark, m->kmax, list);
		metrics_add(m, list, m->kmax, p->items[z]);
	}
	free(order), free(list), free(mark);
}

static void print_table(const char *what, const options *opt,
	const metrics_result *r)
{
	printf("%s (%s split, %" PRId64 " users)\n", what,
		opt->valid ? "valid" : "test", r->users);
	printf("%-10s", "");
	for (int i = 0; i < r->nks; i++) {
		char head[16];
		snprintf(head, sizeof head, "@%d", r->ks[i]);
		printf(" %8s", head);
	}
	putchar('\n');
	const char *names[] = { "HR", "NDCG", "MRR", "coverage" };
	const double *rows[] = { r->hr, r->ndcg, r->mrr_at, r->coverage };
	for (int m = 0; m < 4; m++) {
		printf("%-10s", names[m]);
		for (int i = 0; i < r->nks; i++)
			printf(" %8.4f", rows[m][i]);
		putchar('\n');
	}
}

static void print_tsv(const char *prefix, const metrics_result *r)
{
	const char *names[] = { "hr", "ndcg", "mrr", "coverage" };
	const double *rows[] = { r->hr, r->ndcg, r->mrr_at, r->coverage };
	for (int m = 0; m < 4; m++)
		for (int i = 0; i < r->nks; i++)
			printf("%s%s\t%d\t%.6f\n", prefix, names[m], r->ks[i], rows[m][i]);
}

static void report(const char *what, const char *prefix, const options *opt,
	const metrics *m, int first)
{
	metrics_result r;
	metrics_finish(m, &r);
	if (opt->tsv) {
		print_tsv(prefix, &r);
		return;
	}
	if (!first)
		putchar('\n');
	print_table(what, opt, &r);
}

int main(int argc, char **argv)
{
	enum { OPT_K = 256, OPT_SPLIT, OPT_TSV, OPT_BASELINE, OPT_VERSION };
	static const struct option longopts[] = {
		{ "k", required_argument, NULL, OPT_K },
		{ "split", required_argument, NULL, OPT_SPLIT },
		{ "tsv", no_argument, NULL, OPT_TSV },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	options opt = { .ks = { 10, 20 }, .nks = 2 };
	int c;
	cli_init(argv);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_K:
			opt.nks = metrics_parse_ks(optarg, opt.ks, METRICS_MAX_KS);
			if (opt.nks < 0)
				usage_error("--k: '%s' is not a list of up to %d numbers "
					"in 1..%d", optarg, METRICS_MAX_KS, 1 << 20);
			break;
		case OPT_SPLIT:
			if (strcmp(optarg, "test") != 0 && strcmp(optarg, "valid") != 0)
				usage_error("--split: '%s' is not test or valid", optarg);
			opt.valid = strcmp(optarg, "valid") == 0;
			break;
		case OPT_TSV:
			opt.tsv = 1;
			break;
		case OPT_BASELINE:
			if (strcmp(optarg, "pop") != 0)
				usage_error("--baseline: '%s' is not pop", optarg);
			opt.pop = 1;
			break;
		case 'h':
			usage();
			stdout_close();
			return 0;
		case OPT_VERSION:
			print_version();
			break;
		default:
			usage_hint();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage_error("expected PREP.tts and at most one RECS.tts");
	prep p;
	read_prep(argv[0], &p);
	metrics m;
	int first = 1;
	if (argc == 2 || !opt.pop) {
		start(&m, &opt, &p);
		eval_recs(&opt, &p, argc == 2 ? argv[1] : NULL, &m);
		report("recs", "", &opt, &m, first);
		metrics_free(&m);
		first = 0;
	}
	if (opt.pop) {
		start(&m, &opt, &p);
		eval_pop(&opt, &p, &m);
		report("pop", "pop.", &opt, &m, first);
		metrics_free(&m);
	}
	prep_free(&p);
	stdout_close();
	return 0;
}
