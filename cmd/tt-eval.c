/* tt-eval - HR@K, recall, precision, NDCG@K, MRR and coverage of recommendations. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "cli.h"
#include "embed_stream.h"
#include "evaluate.h"
#include "id_lookup.h"
#include "metrics.h"
#include "prep.h"

static void usage(void)
{
	printf("usage: %s [options] PREP.tts [RECS.tts]\n"
		"Ranking quality of a recs stream (standard input by default) against\n"
		"the held-out items of each user in PREP.tts.\n"
		"      --k LIST          cut-offs, e.g. 1,5,10,20 (default 10,20, those\n"
		"                        the recs stream's K allows, else K)\n"
		"      --split SPLIT     test (default) or valid\n"
		"      --tsv             print 'metric TAB k TAB value' lines\n"
		"      --cold            only the users whose test target is a cold item,\n"
		"                        ranked among the cold items\n"
"      --warm            only the users whose test target is not cold\n"
		"      --history-max N   only the users with at most N items before their\n"
		"                        targets (new users, say)\n"
		"      --baseline NAME   also score pop (training popularity), recent (the\n"
		"                        popularity of the days before a temporal cut-off),\n"
		"                        genre (genre match with the history) or random;\n"
		"                        repeatable; alone when no RECS.tts is given\n"
		"      --recent-days N   recent's window (default 28)\n"
		"      --seed S          seed of genre's ties and of random (default 1)\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the version and exit\n",
		progname);
}

enum { BASE_POP, BASE_RECENT, BASE_GENRE, BASE_RANDOM, N_BASELINES };
static const char *const baseline_names[N_BASELINES] = { "pop", "recent", "genre", "random" };

typedef struct {
	int ks[METRICS_MAX_KS], nks;
	int ks_given; /* by --k: lists shorter than its largest are an error */
	int valid, tsv, cold, warm;
	int baseline[N_BASELINES];
	int seeded;
	uint64_t seed;
	int64_t recent_days; /* 0: not given */
	int64_t history_max; /* -1: every history */
} options;

/* How many targets user u is scored on, from *z in p->items, 0 when u is
 * not scored: every user with targets in the split, or with --cold only
 * those whose test target is a cold item, with --warm only the others (on
 * either split, so that both score the same users). */
static int64_t scored_targets(const options *opt, const prep *p, int64_t u, int64_t *z)
{
	int64_t n = prep_targets(p, u, !opt->valid, z), t = p->test[u];
	if (n && (opt->cold || opt->warm) &&
	    (t >= 0 && prep_is_cold(p, p->items[t])) != opt->cold)
		return 0;
	if (n && opt->history_max >= 0 && *z - p->offsets[u] > opt->history_max)
		return 0;
	return n;
}

/* The items ranked: the cold ones with --cold, else all.  cand (N). */
static int64_t candidates(const options *opt, const prep *p, int32_t *cand)
{
	int64_t C = 0;
	for (int64_t i = 0; i < p->n_items; i++)
		if (!opt->cold || prep_is_cold(p, i))
			cand[C++] = (int32_t)i;
	return C;
}

/* The prep's split= as its meta says it, for messages; a stream without
 * one is read as leave-one-out. */
static const char *split_name(const prep *p)
{
	static char name[32];
	if (!p->meta || !tts_meta_get(p->meta, "split", name, sizeof name))
		snprintf(name, sizeof name, "loo");
	return name;
}

static void read_prep(const char *path, prep *p)
{
	FILE *f = input_open(path);
	tts_reader *r = stream_reader(f);
	char err[256];
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
	if (opt->cold) {
		int32_t *cand = malloc(p->n_items * sizeof *cand);
		if (!cand)
			die_oom("the cold items", (size_t)p->n_items * sizeof *cand);
		m->catalogue = candidates(opt, p, cand);
		free(cand);
	}
}

/* A recs stream scored with --cold must rank the cold items only: a warm
 * item in a list would push the cold ones down, and dropping it would
 * score a list shorter than asked. */
/* What is wrong with row i of a recs group, or 0; done marks the users
 * already seen. */
static int bad_row(const options *opt, const prep *p, const recs_group *g, int64_t i,
	const uint8_t *done, char *err, size_t errlen)
{
	int64_t u = g->users[i], id = g->user_ids[i];
	const int32_t *list = g->items + i * g->k;
	if (u < 0 || u >= p->n_users)
		return snprintf(err, errlen, "user index %" PRId64 " outside the %" PRId64
			" users of the data set", u, p->n_users);
	if (id != p->user_ids[u])
		return snprintf(err, errlen, "user index %" PRId64 " is user %" PRId64
			", the data set says %" PRId64 "", u, id, p->user_ids[u]);
	if (done[u])
		return snprintf(err, errlen, "user %" PRId64 " twice", id);
	for (int j = 0; j < g->k; j++)
		if (list[j] >= p->n_items)
			return snprintf(err, errlen, "user %" PRId64 "'s item %d has index %d, "
				"outside the %" PRId64 " items of the data set", id, j + 1, list[j],
				p->n_items);
	for (int j = 0; opt->cold && j < g->k; j++)
		if (list[j] >= 0 && !prep_is_cold(p, list[j]))
			return snprintf(err, errlen, "user %" PRId64 "'s list has item %" PRId64
				", which is not cold; --cold needs lists ranked over the cold items only",
				id, p->item_ids[list[j]]);
	return 0;
}

/* The group's items as the data set numbers them, by their ids (the model
 * that ranked them may number them otherwise); an item the data set does
 * not have becomes -1, a miss.  Returns how many did not match. */
static int64_t items_by_id(const prep *p, recs_group *g, int64_t **by_id)
{
	if (!*by_id && !(*by_id = id_lookup_new(p->item_ids, p->n_items)))
		die_oom("the data set's item ids", 2 * (size_t)p->n_items * sizeof **by_id);
	int64_t outside = 0;
	for (int64_t i = 0; i < g->n * g->k; i++) {
		if (g->items[i] < 0)
			continue;
		int64_t x = id_lookup(*by_id, p->n_items, g->item_ids[i]);
		outside += x < 0;
		g->items[i] = (int32_t)x;
	}
	return outside;
}

/* The default cut-offs that lists of k allow, or k itself when none does. */
static void fit_default_ks(options *opt, int k)
{
	int n = 0;
	for (int i = 0; i < opt->nks; i++)
		if (opt->ks[i] <= k)
			opt->ks[n++] = opt->ks[i];
	if (n == 0)
		opt->ks[n++] = k;
	opt->nks = n;
}

/* The recs stream against the split's targets. */
static void eval_recs(options *opt, const prep *p, const char *path,
	metrics *m)
{
	const char *name = input_name(path);
	const char *split = split_names[opt->valid];
	FILE *f = input_open(path);
	tts_reader *r = stream_reader(f);
	recs_reader rr;
	recs_group g = { 0 };
	if (recs_reader_open(&rr, r) < 0)
		die("%s: %s", name, rr.g.err);
	if (!opt->ks_given)
		fit_default_ks(opt, rr.k);
	start(m, opt, p);
	if (rr.k < m->kmax)
		die("%s: k=%d, fewer than the largest --k (%d)", name, rr.k, m->kmax);
	if (rr.shards > 1)
		die("%s: the recommendations of shard %" PRId64 "/%" PRId64 " alone: merge the %"
			PRId64 " shards with tt-topk --merge first", name, rr.shard, rr.shards, rr.shards);
	if (rr.at[0] && strcmp(rr.at, split) != 0)
		warnx_("%s: recommendations made at=%s, evaluated on the %s split",
			name, rr.at, split);
	uint8_t *done = calloc(p->n_users + 1, 1);
	if (!done)
		die_oom("the users done", (size_t)p->n_users + 1);
	int64_t *by_id = NULL, outside = 0;
	int rc;
	while ((rc = recs_read_group(&rr, &g)) == 1) {
		if (g.has_item_ids)
			outside += items_by_id(p, &g, &by_id);
		for (int64_t i = 0; i < g.n; i++) {
			int64_t u = g.users[i];
			char err[320];
			if (bad_row(opt, p, &g, i, done, err, sizeof err)) {
				free(done);
				die("%s: %s", name, err);
			}
			done[u] = 1;
			int64_t z, nt = scored_targets(opt, p, u, &z);
			metrics_add_targets(m, g.items + i * g.k, g.k, p->items + z, nt);
		}
	}
	if (rc < 0) {
		free(done);
		die("%s: %s", name, rr.g.err);
	}
	int64_t missing = 0, with_target = 0;
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t z, nt = scored_targets(opt, p, u, &z);
		if (nt == 0)
			continue;
		with_target++;
		if (!done[u]) {
			metrics_add_targets(m, NULL, 0, p->items + z, nt);
			missing++;
		}
	}
	free(by_id);
	if (outside)
		warnx_("%s: %" PRId64 " recommended items are not items of the data set; "
			"counted as misses", name, outside);
	if (missing)
		warnx_("%s: %" PRId64 " of %" PRId64 " users with a %s%s target have no "
			"recommendations; counted as misses", name, missing,
			with_target, opt->cold ? "cold " : opt->warm ? "warm " : "", split);
	free(done);
	recs_group_free(&g);
	recs_reader_close(&rr);
	tts_reader_close(r);
	if (f != stdin)
		fclose(f);
}

/* Popularity in training, or with recent in the recent_days before the
 * split's cut-off; the items seen before the targets excluded. */
static void eval_pop(const options *opt, const prep *p, int recent, metrics *m)
{
	int32_t *order = malloc((p->n_items + 1) * sizeof *order);
	int32_t *list = malloc(m->kmax * sizeof *list);
	uint8_t *mark = calloc(p->n_items + 1, 1);
	char unit[8] = "";
	if (p->meta)
		tts_meta_get(p->meta, "time_unit", unit, sizeof unit);
	int64_t to = opt->valid ? p->valid_cutoff : p->cutoff;
	int64_t from = to - opt->recent_days * 86400 * (strcmp(unit, "ms") == 0 ? 1000 : 1);
	if (!order || !list || !mark ||
	    (recent ? pop_order_recent(p, from, to, order) : pop_order(p, order)) < 0)
		die_oom("the items by popularity", (size_t)(p->n_items + 1) * (sizeof *order + 1 +
			sizeof(int64_t)) + m->kmax * sizeof *list);
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t z, nt = scored_targets(opt, p, u, &z);
		if (nt == 0)
			continue;
		pop_recommend(order, p->n_items, p->items + p->offsets[u],
			z - p->offsets[u], mark, m->kmax, list);
		metrics_add_targets(m, list, m->kmax, p->items + z, nt);
	}
	free(order), free(list), free(mark);
}

/* Genre match or random order over the candidates, the items seen before
 * the target excluded. */
static void eval_ranked(const options *opt, const prep *p, int genre, metrics *m)
{
	int32_t *cand = malloc(p->n_items * sizeof *cand);
	double *score = genre ? malloc(p->n_items * sizeof *score) : NULL;
	double *profile = genre ? malloc((p->n_genres + 1) * sizeof *profile) : NULL;
	int32_t *list = malloc(m->kmax * sizeof *list);
	uint8_t *seen = calloc(p->n_items, 1);
	if (!cand || (genre && (!score || !profile)) || !list || !seen)
		die_oom("the candidates", (size_t)p->n_items * (sizeof *cand + sizeof *score + 1) +
			(p->n_genres + 1) * sizeof *profile + m->kmax * sizeof *list);
	int64_t C = candidates(opt, p, cand);
	for (int64_t u = 0; u < p->n_users; u++) {
		int64_t z, nt = scored_targets(opt, p, u, &z), a = p->offsets[u];
		if (nt == 0)
			continue;
		for (int64_t j = a; j < z; j++)
			seen[p->items[j]] = 1;
		if (genre) {
			genre_profile(p, p->items + a, z - a, profile);
			for (int64_t c = 0; c < C; c++)
				score[c] = genre_match(p, profile, cand[c]);
		}
		if (rank_candidates(cand, C, score, opt->seed, u, seen, m->kmax, list) < 0)
			die_oom("the ranked candidates", (size_t)m->kmax * 2 * sizeof(double));
		metrics_add_targets(m, list, m->kmax, p->items + z, nt);
		for (int64_t j = a; j < z; j++)
			seen[p->items[j]] = 0;
	}
	free(cand), free(score), free(profile), free(list), free(seen);
}

/* The rows printed: recall and precision where a user may have several
 * targets (with one, recall is HR and precision HR / K). */
static int metric_rows(const prep *p, const char **names, const double **rows,
	const metrics_result *r, int tsv)
{
	int n = 0, multi = p->temporal && !p->targets_next;
	names[n] = tsv ? "hr" : "HR", rows[n++] = r->hr;
	if (multi) {
		names[n] = tsv ? "recall" : "recall", rows[n++] = r->recall;
		names[n] = tsv ? "precision" : "precision", rows[n++] = r->precision;
	}
	names[n] = tsv ? "ndcg" : "NDCG", rows[n++] = r->ndcg;
	names[n] = tsv ? "mrr" : "MRR", rows[n++] = r->mrr_at;
	names[n] = "coverage", rows[n++] = r->coverage;
	return n;
}

static void print_table(const char *what, const options *opt, const prep *p,
	const metrics_result *r)
{
	char hist[64] = "";
	if (opt->history_max >= 0)
		snprintf(hist, sizeof hist, ", histories of at most %" PRId64, opt->history_max);
	printf("%s (%s split%s%s, %" PRId64 " users)\n", what,
		split_names[opt->valid],
		opt->cold ? ", cold items" : opt->warm ? ", warm users" : "", hist, r->users);
	printf("%-10s", "");
	for (int i = 0; i < r->nks; i++) {
		char head[16];
		snprintf(head, sizeof head, "@%d", r->ks[i]);
		printf(" %8s", head);
	}
	putchar('\n');
	const char *names[8];
	const double *rows[8];
	int nrows = metric_rows(p, names, rows, r, 0);
	for (int m = 0; m < nrows; m++) {
		printf("%-10s", names[m]);
		for (int i = 0; i < r->nks; i++)
			printf(" %8.4f", rows[m][i]);
		putchar('\n');
	}
}

static void print_tsv(const char *prefix, const prep *p, const metrics_result *r)
{
	const char *names[8];
	const double *rows[8];
	int nrows = metric_rows(p, names, rows, r, 1);
	for (int m = 0; m < nrows; m++)
		for (int i = 0; i < r->nks; i++)
			printf("%s%s\t%d\t%.6f\n", prefix, names[m], r->ks[i], rows[m][i]);
}

static void report(const char *what, const char *prefix, const options *opt,
	const prep *p, const metrics *m, int first)
{
	metrics_result r;
	metrics_finish(m, &r);
	if (opt->tsv) {
		print_tsv(prefix, p, &r);
		return;
	}
	if (!first)
		putchar('\n');
	print_table(what, opt, p, &r);
}

int main(int argc, char **argv)
{
	enum { OPT_K = 256, OPT_SPLIT, OPT_TSV, OPT_BASELINE, OPT_COLD,
		OPT_SEED, OPT_WARM, OPT_RECENT, OPT_HISTORY_MAX };
	static const struct option longopts[] = {
		{ "k", required_argument, NULL, OPT_K },
		{ "split", required_argument, NULL, OPT_SPLIT },
		{ "tsv", no_argument, NULL, OPT_TSV },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "cold", no_argument, NULL, OPT_COLD },
		{ "warm", no_argument, NULL, OPT_WARM },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "recent-days", required_argument, NULL, OPT_RECENT },
		{ "history-max", required_argument, NULL, OPT_HISTORY_MAX },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	options opt = { .ks = { 10, 20 }, .nks = 2, .seed = 1, .history_max = -1 };
	int c;
	cli_init(argv);
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_K:
			opt.nks = metrics_parse_ks(optarg, opt.ks, METRICS_MAX_KS);
			opt.ks_given = 1;
			if (opt.nks < 0)
				usage_error("--k: '%s' is not a list of up to %d numbers "
					"in 1..%d", optarg, METRICS_MAX_KS, 1 << 20);
			break;
		case OPT_SPLIT:
			opt.valid = parse_choice("--split", optarg, split_names, 2) == 1;
			break;
		case OPT_TSV:
			opt.tsv = 1;
			break;
		case OPT_BASELINE:
			opt.baseline[parse_choice("--baseline", optarg, baseline_names, N_BASELINES)] = 1;
			break;
		case OPT_COLD:
			opt.cold = 1;
			break;
		case OPT_WARM:
			opt.warm = 1;
			break;
		case OPT_SEED:
			opt.seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX);
			opt.seeded = 1;
			break;
		case OPT_RECENT:
			opt.recent_days = parse_int("--recent-days", optarg, 1, 1 << 20);
			break;
		case OPT_HISTORY_MAX:
			opt.history_max = parse_int("--history-max", optarg, 0, INT64_MAX);
			break;
		case 'h':
			usage();
			stdout_close();
			return 0;
		case 'V':
			print_version();
		default:
			usage_hint();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage_error("expected PREP.tts and at most one RECS.tts");
	int any_baseline = 0;
	for (int b = 0; b < N_BASELINES; b++)
		any_baseline |= opt.baseline[b];
	if (opt.cold && opt.warm)
		usage_error("--cold and --warm score disjoint sets of users: one of them");
	if (opt.cold && opt.valid)
		usage_error("--cold scores test targets: a cold item is never a "
			"validation target");
	if (opt.cold && opt.baseline[BASE_POP])
		usage_error("--baseline pop with --cold: cold items have no training "
			"interactions to count");
	if (opt.seeded && !opt.baseline[BASE_GENRE] && !opt.baseline[BASE_RANDOM])
		usage_error("--seed needs --baseline genre or random");
	if (opt.recent_days && !opt.baseline[BASE_RECENT])
		usage_error("--recent-days needs --baseline recent");
	if (!opt.recent_days)
		opt.recent_days = 28;
	if (argc == 2 || !any_baseline)
		inputs_apart("PREP.tts", argv[0], "RECS.tts", argc == 2 ? argv[1] : NULL);
	prep p;
	read_prep(argv[0], &p);
	if ((opt.cold || opt.warm) && !p.cold)
		die("%s: no cold items (ml-prep --cold-items makes them)%s", argv[0],
			opt.warm ? ": every user is warm" : "");
	if (opt.baseline[BASE_GENRE] && !p.genres)
		die("%s: no genres for --baseline genre (ml-prep --items adds them)", argv[0]);
	if (opt.baseline[BASE_RECENT] && !p.temporal)
		die("%s: --baseline recent needs a temporal split (ml-prep --split time), "
			"not split=%s", argv[0], split_name(&p));
	if (split_users(&p, opt.valid ? SPLIT_VALID : SPLIT_TEST) == 0)
		die("%s: no user has a %s target (split=%s): nothing to evaluate",
			argv[0], opt.valid ? "validation" : "test", split_name(&p));
	int64_t scored = 0, z;
	for (int64_t u = 0; opt.history_max >= 0 && u < p.n_users; u++)
		scored += scored_targets(&opt, &p, u, &z) > 0;
	if (opt.history_max >= 0 && scored == 0)
		die("%s: --history-max %" PRId64 ": no user with a target has so short a history",
			argv[0], opt.history_max);
	metrics m;
	int first = 1;
	if (argc == 2 || !any_baseline) {
		eval_recs(&opt, &p, argc == 2 ? argv[1] : NULL, &m);
		report("recs", "", &opt, &p, &m, first);
		metrics_free(&m);
		first = 0;
	}
	for (int b = 0; b < N_BASELINES; b++) {
		if (!opt.baseline[b])
			continue;
		char prefix[16];
		snprintf(prefix, sizeof prefix, "%s.", baseline_names[b]);
		start(&m, &opt, &p);
		if (b == BASE_POP || b == BASE_RECENT)
			eval_pop(&opt, &p, b == BASE_RECENT, &m);
		else
			eval_ranked(&opt, &p, b == BASE_GENRE, &m);
		report(baseline_names[b], prefix, &opt, &p, &m, first);
		metrics_free(&m);
		first = 0;
	}
	prep_free(&p);
	stdout_close();
	return 0;
}
