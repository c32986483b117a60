/* ml-prep - interaction files (MovieLens and the like) to a prep stream. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "cli.h"
#include "ids.h"
#include "prep.h"
#include "ratings.h"
#include "side.h"
#include "tts.h"

/* An option's text that the meta record copies: a number's characters
 * only, so that it cannot break a line or add a key (strtod would take
 * leading blanks and newlines). */
static const char *meta_text(const char *opt, const char *s)
{
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c > '~')
			usage_error("%s: a blank or control character in the number", opt);
		else if (*c == '=')
			usage_error("%s: '%s' is not a number", opt, s);
	return s;
}

/* An output that is also an input would be replaced by what it is read
 * into: refused before anything is read.  Standard input and output are
 * compared by what they are open on. */
static int same_inode(const char *a, const char *b)
{
	struct stat sa, sb;
	int ra = !a || !strcmp(a, "-") ? fstat(0, &sa) : stat(a, &sa);
	int rb = !b || !strcmp(b, "-") ? fstat(1, &sb) : stat(b, &sb);
	return ra == 0 && rb == 0 && S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev &&
		sa.st_ino == sb.st_ino;
}

static void refuse_output_over_input(const char *out, char **files, int nfiles,
	const char *const *side, const char *const *side_opt, int nside)
{
	const char *shown = out && strcmp(out, "-") ? out : "standard output";
	for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
		const char *in = nfiles ? files[i] : NULL;
		if (same_file(out, in) || same_inode(in, out))
			usage_error("%s is also the input %s: it would be overwritten",
				shown, input_name(in));
	}
	for (int i = 0; i < nside; i++)
		if (side[i] && (same_file(out, side[i]) || same_inode(side[i], out)))
			usage_error("%s is also %s %s: it would be overwritten", shown,
				side_opt[i], side[i]);
}

/* The choices of --split (by SPLIT_LOO, SPLIT_NONE, SPLIT_TIME), --targets
 * (next first) and --time-unit (its names and their values), as the
 * options, the meta and --stats spell them. */
static const char *const split_names[] = { "loo", "none", "time" };
static const char *const target_names[] = { "next", "all" };
static const char *const time_unit_names[] = { "s", "ms", "auto" };
static const int time_units[] = { TIME_S, TIME_MS, TIME_AUTO };

/* --sep's argument (or --item-sep's, --user-sep's): a name or one byte. */
static char parse_sep(const char *opt, const char *s)
{
	static const char *const names[][2] = {
		{ "comma", "," }, { "tab", "\t" }, { "\\t", "\t" }, { "semicolon", ";" },
		{ "pipe", "|" }, { "space", " " },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(s, names[i][0]) == 0)
			return names[i][1][0];
	if (strlen(s) != 1)
		usage_error("%s: '%s' is not one byte, comma, tab, semicolon, pipe or space", opt, s);
	if (*s == '"' || *s == '\n' || *s == '\r')
		usage_error("%s: a separator cannot be a quote or a line end", opt);
	return *s;
}

/* A column option: a name, or a number from 1 (all digits). */
static const char *column_arg(const char *opt, const char *s)
{
	size_t n = strspn(s, "0123456789");
	if (!*s)
		usage_error("%s: an empty column name", opt);
	if (n == strlen(s) && (strtoll(s, NULL, 10) < 1 || n > 6))
		usage_error("%s: column %s: columns are numbered from 1 to 999999", opt, s);
	return s;
}

/* --where COL=V1,V2: the rule, its values cut at the commas in place. */
typedef struct {
	char *col;
	const char *vals[RATINGS_MAX_WHERE_VALUES];
	int n;
	const char *text; /* as given, for the meta */
} where_opt;

static void parse_where(where_opt *w, const char *arg)
{
	for (const char *c = arg; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 127)
			usage_error("--where: a control character in '%s'", arg);
	char *copy = strdup(arg), *eq;
	if (!copy)
		die_oom("--where", strlen(arg) + 1);
	if (!(eq = strchr(copy, '=')) || eq == copy)
		usage_error("--where: '%s' is not COLUMN=VALUE[,VALUE...]", arg);
	*eq = '\0';
	w->col = copy;
	column_arg("--where", copy);
	w->text = arg;
	w->n = 0;
	for (char *v = eq + 1, *comma;; v = comma + 1) {
		if (w->n == RATINGS_MAX_WHERE_VALUES)
			usage_error("--where: more than %d values in '%s'", RATINGS_MAX_WHERE_VALUES,
				arg);
		w->vals[w->n++] = v;
		if (!(comma = strchr(v, ',')))
			break;
		*comma = '\0';
	}
}

/* --item-feature, --user-feature: one more column of the layout. */
static void add_feature(side_layout *l, const char *opt, const char *arg)
{
	char err[512];
	if (l->n == SIDE_COLUMNS_MAX)
		usage_error("%s: more than %d", opt, SIDE_COLUMNS_MAX);
	if (side_feature_parse(arg, &l->f[l->n], err, sizeof err))
		usage_error("%s: %s", opt, err);
	for (int k = 0; k < l->n; k++)
		if (!strcmp(l->f[k].name, l->f[l->n].name))
			usage_error("%s: column %s given twice", opt, l->f[k].name);
	l->n++;
}

/* The layout options of one side: they need its id column and file. */
static const side_layout *layout_given(const side_layout *l, const char *file,
	const char *side)
{
	int any = l->id || l->title || l->n || l->sep;
	if (any && !l->id)
		usage_error("--%s-title, --%s-feature and --%s-sep need --%s-id", side, side,
			side, side);
	if (any && !file)
		usage_error("--%s-id needs --%ss", side, side);
	return any ? l : NULL;
}

/* --skip-bad skipped every line of a file: of one file, there is nothing
 * to read; of several, it is said. */
static void all_bad(ratings_parser *rp, const char *name, int64_t lines, int only)
{
	const char *first = "";
	int64_t n;
	for (int r = 0; ratings_skip_reason(rp, r, &n, &first); r++)
		if (n > 0)
			break;
	if (only)
		die("%s: every one of its %lld lines is bad (skipped by --skip-bad); the first: %s",
			name, (long long)lines, first);
	warnx_("%s: every one of its %lld lines is bad (skipped by --skip-bad)", name,
		(long long)lines);
}

/* What --skip-bad skipped: how many, by reason, the first of each. */
static void say_skipped(ratings_parser *rp)
{
	const char *first, *what;
	int64_t n;
	warnx_("skipped %lld bad lines:", (long long)ratings_skipped(rp));
	for (int r = 0; (what = ratings_skip_reason(rp, r, &n, &first)); r++)
		if (n > 0)
			fprintf(stderr, "  %lld %s, the first %s\n", (long long)n, what, first);
}

/* A column of integers and strings is strings: said, with the first. */
static void say_mixed(ratings_parser *rp)
{
	for (int k = IDS_USER; k <= IDS_ITEM; k++) {
		const char *first;
		int64_t n = ratings_ids_mixed(rp, k, &first);
		if (n > 0)
			warnx_("%s ids are strings (the first that is not an integer: %s); "
				"the %lld integers among them are taken as their text",
				k ? "item" : "user", first, (long long)n);
	}
}

/* The textual sides' ids: their rows held the strings' indices, made
 * ids here, the strings beside them. */
static void name_ids(prep *p, id_dict *names[2])
{
	for (int k = IDS_USER; k <= IDS_ITEM; k++) {
		if (names[k] && id_dict_resolve(names[k], k ? p->item_ids : p->user_ids,
		    k ? p->n_items : p->n_users, k ? &p->item_names : &p->user_names) != 0)
			die("out of memory for the %s ids' strings", k ? "item" : "user");
		id_dict_free(names[k]);
	}
}

static void usage(void)
{
	printf("usage: %s [options] [FILE...] > prep.tts\n"
		"Turn interaction files (dat, tsv, csv, seq; plain, zstd or gzip) into a prep stream.\n"
		"  -f, --format FMT        dat, tsv, csv or seq (default: detected)\n"
		"      --min-rating R      keep ratings >= R (default: all)\n"
		"      --min-item-count N  drop items with fewer interactions (default 0)\n"
		"      --min-user-count N  drop users with fewer interactions (default 0)\n"
		"      --k-core            repeat the count filters until stable\n"
		"      --keep-repeats      keep repeated (user, item) pairs\n"
		"      --split loo|none|time  leave-one-out split (default loo), none, or\n"
		"                          by time: train before --valid-cutoff, validation\n"
		"                          up to --cutoff, test from it on\n"
		"      --cutoff WHEN       the test period's start: a time (seconds, ISO 8601,\n"
		"                          a date) or a share of the interactions before it\n"
		"                          (0.9 or 90%%: the last 10%% are the test period)\n"
		"      --valid-cutoff WHEN the validation slice's start (default: as long, or\n"
		"                          as large a share, as the test period)\n"
		"      --targets next|all  targets after a cut-off: each user's next item\n"
		"                          (default) or all of them\n"
		"      --cold-items F      make a fraction F of the items cold: in no history,\n"
		"                          kept only as test targets\n"
		"      --seed S            seed of the cold items' draw (default 1)\n"
		"      --items FILE        movies.dat, movies.csv or u.item: titles, genres, year\n"
		"      --users FILE        users.dat or u.user: gender, age, occupation\n"
		"      --item-map FILE     'item MovieID' lines: input items to --items ids\n"
		"      --user-map FILE     'user UserID' lines: input users to --users ids\n"
		"      --item-id COL       --items is delimited text with a header, of any\n"
		"                          shape: COL its id column (a name or a number)\n"
		"      --item-title COL    its title column (default: none)\n"
		"      --item-feature F    a feature column: NAME[:cat], NAME:multi[=SEP]\n"
		"                          (default '|'), NAME:path[=SEP] (default '>'),\n"
		"                          NAME:num[=K] (K quantile buckets, default 10)\n"
		"                          or NAME:num=@C1,C2,... (cut points); repeated\n"
		"      --item-sep C        --items' separator, as --sep's (default ',')\n"
		"      --user-id COL, --user-feature F, --user-sep C  the same for --users\n"
		"      --sep C             csv separated by C: comma, tab, semicolon, pipe,\n"
		"                          space or any one byte (default ',')\n"
		"      --header            the first line names the columns (csv's default)\n"
		"      --no-header         it does not (dat's and tsv's default)\n"
		"      --user-col COL      column of user ids, a name or a number from 1\n"
		"                          (default userId with a header, else 1)\n"
		"      --item-col COL      column of item ids (default movieId, else 2)\n"
		"      --rating-col COL    column of ratings (default rating, else 3)\n"
		"      --time-col COL      column of times (default timestamp, else 4)\n"
		"      --where COL=V[,V..] keep rows whose COL is one of the values; several\n"
		"                          --where must all hold\n"
		"      --time-unit U       s, ms or auto: integer times in seconds or\n"
		"                          milliseconds (auto: ms when every one >= 10^11)\n"
		"      --skip-bad          skip malformed lines; say how many, by reason\n"
		"      --stats             print statistics to standard error\n"
		"  -o, --output FILE       write FILE (atomically) instead of standard output\n"
		"  -l, --level N           zstd level, 1 to 19 (default 1, the fastest)\n"
		"  -h, --help              this help\n"
		"  -V, --version           print the version\n"
		"      --version           print the version\n", progname);
	stdout_close();
	exit(0);
}

enum { O_MINR = 256, O_MINI, O_MINU, O_KCORE, O_REPEATS, O_SPLIT, O_ITEMS, O_USERS,
	O_IMAP, O_UMAP, O_UCOL, O_ICOL, O_RCOL, O_TCOL, O_SKIP, O_STATS, O_VERSION, O_COLD, O_SEED,
	O_SEP, O_HEADER, O_NOHEADER, O_WHERE, O_TUNIT, O_CUTOFF, O_VCUTOFF, O_TARGETS,
	O_IID, O_ITITLE, O_IFEAT, O_ISEP, O_UID, O_UFEAT, O_USEP };

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "min-rating", required_argument, NULL, O_MINR },
	{ "min-item-count", required_argument, NULL, O_MINI },
	{ "min-user-count", required_argument, NULL, O_MINU },
	{ "k-core", no_argument, NULL, O_KCORE },
	{ "keep-repeats", no_argument, NULL, O_REPEATS },
	{ "split", required_argument, NULL, O_SPLIT },
	{ "cutoff", required_argument, NULL, O_CUTOFF },
	{ "valid-cutoff", required_argument, NULL, O_VCUTOFF },
	{ "targets", required_argument, NULL, O_TARGETS },
	{ "cold-items", required_argument, NULL, O_COLD },
	{ "seed", required_argument, NULL, O_SEED },
	{ "items", required_argument, NULL, O_ITEMS },
	{ "users", required_argument, NULL, O_USERS },
	{ "item-map", required_argument, NULL, O_IMAP },
	{ "item-id", required_argument, NULL, O_IID },
	{ "item-title", required_argument, NULL, O_ITITLE },
	{ "item-feature", required_argument, NULL, O_IFEAT },
	{ "item-sep", required_argument, NULL, O_ISEP },
	{ "user-id", required_argument, NULL, O_UID },
	{ "user-feature", required_argument, NULL, O_UFEAT },
	{ "user-sep", required_argument, NULL, O_USEP },
	{ "user-map", required_argument, NULL, O_UMAP },
	{ "user-col", required_argument, NULL, O_UCOL },
	{ "item-col", required_argument, NULL, O_ICOL },
	{ "rating-col", required_argument, NULL, O_RCOL },
	{ "time-col", required_argument, NULL, O_TCOL },
	{ "sep", required_argument, NULL, O_SEP },
	{ "header", no_argument, NULL, O_HEADER },
	{ "no-header", no_argument, NULL, O_NOHEADER },
	{ "where", required_argument, NULL, O_WHERE },
	{ "time-unit", required_argument, NULL, O_TUNIT },
	{ "skip-bad", no_argument, NULL, O_SKIP },
	{ "stats", no_argument, NULL, O_STATS },
	{ "output", required_argument, NULL, 'o' },
	{ "level", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void close_input(FILE *f)
{
	if (f != stdin)
		fclose(f);
}

/*
 * A side file that names none of the data's ids is another data set's (or
 * wants a map): its features would all be empty, and every later program
 * would use them as if they were known, so it is an error.  One that names
 * only some is common (a catalogue of other items too, a missing line),
 * and said.
 */
static void side_matched(const char *path, const char *what, int64_t n,
	int64_t missing, const char *map, const char *mapopt)
{
	if (missing == n && map)
		die("%s: none of the input's %lld %s ids is in it through %s", path,
			(long long)n, what, map);
	if (missing == n)
		die("%s: none of the input's %lld %s ids is in it (%s maps other ids "
			"to its own)", path, (long long)n, what, mapopt);
	if (missing > 0)
		warnx_("%s: %lld of the %lld %ss of the input are not in it: "
			"their side data is empty", path, (long long)missing, (long long)n, what);
}

static void attach_side(prep *p, const char *items, const char *users,
	const side_layout *il, const side_layout *ul,
	const char *imap_path, const char *umap_path, int64_t *miss_i, int64_t *miss_u)
{
	char err[512];
	id_map imap = { 0 }, umap = { 0 };
	FILE *f;
	if (imap_path) {
		f = input_open(imap_path);
		if (id_map_read(f, imap_path, &imap, err, sizeof err) != 0)
			die("%s", err);
		close_input(f);
	}
	if (umap_path) {
		f = input_open(umap_path);
		if (id_map_read(f, umap_path, &umap, err, sizeof err) != 0)
			die("%s", err);
		close_input(f);
	}
	if (items) {
		item_side s;
		f = input_open(items);
		if ((il ? item_side_read_layout(f, items, il, &s, err, sizeof err) :
		     item_side_read(f, items, &s, err, sizeof err)) != 0 ||
		    side_attach_items(p, &s, imap_path ? &imap : NULL, miss_i, err, sizeof err) != 0)
			die("%s", err);
		close_input(f);
		item_side_free(&s);
		side_matched(items, "item", p->n_items, *miss_i, imap_path, "--item-map");
	}
	if (users) {
		user_side s;
		f = input_open(users);
		if ((ul ? user_side_read_layout(f, users, ul, &s, err, sizeof err) :
		     user_side_read(f, users, &s, err, sizeof err)) != 0 ||
		    side_attach_users(p, &s, umap_path ? &umap : NULL, miss_u, err, sizeof err) != 0)
			die("%s", err);
		close_input(f);
		user_side_free(&s);
		side_matched(users, "user", p->n_users, *miss_u, umap_path, "--user-map");
	}
	id_map_free(&imap);
	id_map_free(&umap);
}

/* --split time and its options, which go with it only. */
static void time_split_options(build_options *o, const char *cutoff, const char *vcutoff,
	const char *targets, int time_unit)
{
	char err[512];
	const char *alone = cutoff ? "--cutoff" : vcutoff ? "--valid-cutoff" :
		targets ? "--targets" : NULL;
	if (o->split != SPLIT_TIME) {
		if (alone)
			usage_error("%s needs --split time", alone);
		return;
	}
	if (!cutoff)
		usage_error("--split time needs --cutoff: a time (seconds, ISO 8601 as "
			"2000-12-01) or a share of the interactions (0.9)");
	if (!targets)
		o->targets_next = 1;
	if (time_cut_parse("--cutoff", cutoff, time_unit, &o->cutoff, err, sizeof err) ||
	    (vcutoff && time_cut_parse("--valid-cutoff", vcutoff, time_unit,
		&o->valid_cutoff, err, sizeof err)))
		usage_error("%s", err);
}

/* The meta lines of a temporal split (after split=time): its targets, the
 * cut-offs in the times' unit, as given, and the users it left out. */
static void time_split_meta(FILE *ex, const build_options *o, const build_stats *st)
{
	fprintf(ex, "targets=%s\ncutoff=%lld\nvalid_cutoff=%lld\ncutoff_given=%s\n",
		target_names[!o->targets_next], (long long)st->cutoff,
		(long long)st->valid_cutoff, o->cutoff.text);
	if (o->valid_cutoff.kind != CUT_NONE)
		fprintf(ex, "valid_cutoff_given=%s\n", o->valid_cutoff.text);
	fprintf(ex, "no_history_users=%lld\n", (long long)st->no_history_users);
}

static void print_stats(const prep *p, const build_stats *st, const build_options *o,
	int64_t lines, int64_t skipped, int64_t filtered, int64_t miss_i, int64_t miss_u)
{
	double density = (double)p->n_inter / ((double)p->n_users * (double)p->n_items);
	fprintf(stderr, "lines: %lld\n", (long long)lines);
	fprintf(stderr, "skipped bad lines: %lld\n", (long long)skipped);
	fprintf(stderr, "removed by where: %lld rows\n", (long long)filtered);
	fprintf(stderr, "removed by min-rating: %lld interactions\n", (long long)st->removed_rating);
	fprintf(stderr, "removed repeats: %lld interactions\n", (long long)st->removed_repeats);
	fprintf(stderr, "removed by min-item-count: %lld items, %lld interactions\n",
		(long long)st->removed_items, (long long)st->removed_item_inter);
	fprintf(stderr, "removed by min-user-count: %lld users, %lld interactions\n",
		(long long)st->removed_users, (long long)st->removed_user_inter);
	fprintf(stderr, "filter rounds: %lld\n", (long long)st->rounds);
	fprintf(stderr, "users: %lld\n", (long long)p->n_users);
	fprintf(stderr, "items: %lld\n", (long long)p->n_items);
	fprintf(stderr, "interactions: %lld\n", (long long)p->n_inter);
	fprintf(stderr, "user ids: %s\n", p->user_names ? "strings" : "integers");
	fprintf(stderr, "item ids: %s\n", p->item_names ? "strings" : "integers");
	fprintf(stderr, "density: %.6f\n", density);
	fprintf(stderr, "history length: min %lld median %lld p90 %lld max %lld\n",
		(long long)st->hist_min, (long long)st->hist_median,
		(long long)st->hist_p90, (long long)st->hist_max);
	fprintf(stderr, "split: %s train %lld valid %lld test %lld train-only users %lld\n",
		split_names[o->split],
		(long long)st->train, (long long)st->valid, (long long)st->test,
		(long long)st->train_only_users);
	if (o->split == SPLIT_TIME) {
		char tc[64], tv[64];
		fprintf(stderr, "time split: validation from %s, test from %s; targets %s: "
			"valid %lld, test %lld; users without training history, not "
			"evaluated: %lld (%lld interactions left out)\n",
			build_time_text(st->valid_cutoff, o->time_ms, tv, sizeof tv),
			build_time_text(st->cutoff, o->time_ms, tc, sizeof tc),
			target_names[!o->targets_next], (long long)st->valid_targets,
			(long long)st->test_targets, (long long)st->no_history_users,
			(long long)st->no_history_inter);
	}
	if (p->cold)
		fprintf(stderr, "cold: items %lld, interactions removed %lld, test users %lld, "
			"users made train-only %lld, users dropped %lld\n",
			(long long)st->cold_items, (long long)st->cold_removed,
			(long long)st->cold_test_users, (long long)st->cold_train_only_users,
			(long long)st->cold_dropped_users);
	if (p->titles)
		fprintf(stderr, "items without metadata: %lld\n", (long long)miss_i);
	if (p->gender)
		fprintf(stderr, "users without metadata: %lld\n", (long long)miss_u);
}

int main(int argc, char **argv)
{
	build_options o = { .split = SPLIT_LOO };
	rating_columns cols = { 0 };
	const char *out_path = NULL, *items = NULL, *users = NULL, *imap = NULL, *umap = NULL;
	int format = RF_AUTO, skip_bad = 0, stats = 0, level = 1, c;
	const char *cold_arg = NULL, *minr = NULL;
	const char *cutoff_arg = NULL, *vcutoff_arg = NULL, *targets_arg = NULL;
	int seeded = 0, header = -1, time_unit = TIME_AUTO;
	char sep = 0;
	static side_layout ilay, ulay;
	where_opt where[RATINGS_MAX_WHERE];
	int nwhere = 0;
	o.cold_seed = 1;

	cli_init(argv);
	while ((c = getopt_long(argc, argv, "f:o:l:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = RF_DAT + parse_choice("--format", optarg,
				rating_format_names + RF_DAT, RF_SEQ - RF_DAT + 1);
			break;
		case O_MINR:
			o.has_min_rating = 1;
			minr = meta_text("--min-rating", optarg);
			o.min_rating = parse_double("--min-rating", optarg, -1e30, 1e30);
			break;
		case O_MINI:
			o.min_item_count = parse_int("--min-item-count", optarg, 0, INT32_MAX);
			break;
		case O_MINU:
			o.min_user_count = parse_int("--min-user-count", optarg, 0, INT32_MAX);
			break;
		case O_KCORE: o.k_core = 1; break;
		case O_REPEATS: o.keep_repeats = 1; break;
		case O_SPLIT:
			o.split = parse_choice("--split", optarg, split_names, 3);
			break;
		case O_CUTOFF: cutoff_arg = optarg; break;
		case O_VCUTOFF: vcutoff_arg = optarg; break;
		case O_TARGETS:
			o.targets_next = parse_choice("--targets", optarg, target_names, 2) == 0;
			targets_arg = optarg;
			break;
		case O_COLD:
			cold_arg = meta_text("--cold-items", optarg);
			o.cold_fraction = parse_double("--cold-items", optarg, -1e30, 1e30);
			if (o.cold_fraction <= 0 || o.cold_fraction >= 1)
				usage_error("--cold-items: %s is not a fraction above 0 and "
					"below 1", optarg);
			break;
		case O_SEED:
			o.cold_seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX);
			seeded = 1;
			break;
		case O_ITEMS: items = optarg; break;
		case O_USERS: users = optarg; break;
		case O_IMAP: imap = optarg; break;
		case O_UMAP: umap = optarg; break;
		case O_UCOL: cols.user = column_arg("--user-col", optarg); break;
		case O_ICOL: cols.item = column_arg("--item-col", optarg); break;
		case O_RCOL: cols.rating = column_arg("--rating-col", optarg); break;
		case O_TCOL: cols.time = column_arg("--time-col", optarg); break;
		case O_SEP: sep = parse_sep("--sep", optarg); break;
		case O_IID: ilay.id = column_arg("--item-id", optarg); break;
		case O_ITITLE: ilay.title = column_arg("--item-title", optarg); break;
		case O_IFEAT: add_feature(&ilay, "--item-feature", optarg); break;
		case O_ISEP: ilay.sep = parse_sep("--item-sep", optarg); break;
		case O_UID: ulay.id = column_arg("--user-id", optarg); break;
		case O_UFEAT: add_feature(&ulay, "--user-feature", optarg); break;
		case O_USEP: ulay.sep = parse_sep("--user-sep", optarg); break;
		case O_HEADER: header = 1; break;
		case O_NOHEADER: header = 0; break;
		case O_WHERE:
			if (nwhere == RATINGS_MAX_WHERE)
				usage_error("--where: more than %d", RATINGS_MAX_WHERE);
			parse_where(&where[nwhere++], optarg);
			break;
		case O_TUNIT:
			time_unit = time_units[parse_choice("--time-unit", optarg, time_unit_names, 3)];
			break;
		case O_SKIP: skip_bad = 1; break;
		case O_STATS: stats = 1; break;
		case 'o': out_path = optarg; break;
		case 'l': level = (int)parse_int("--level", optarg, 1, 19); break;
		case 'h': usage(); break;
		case 'V': print_version();
		case O_VERSION: print_version(); break;
		default: usage_error("unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	const side_layout *il = layout_given(&ilay, items, "item");
	const side_layout *ul = layout_given(&ulay, users, "user");
	if (imap && !items)
		usage_error("--item-map needs --items");
	if (umap && !users)
		usage_error("--user-map needs --users");
	if (sep && format != RF_AUTO && format != RF_CSV)
		usage_error("--sep goes with csv input (any separator), not --format %s",
			rating_format_name(format));
	if (format == RF_SEQ && (header >= 0 || nwhere || cols.user || cols.item ||
	    cols.rating || cols.time))
		usage_error("seq input has no columns: no --header, --where or --*-col");
	if (seeded && o.cold_fraction == 0)
		usage_error("--seed needs --cold-items");
	if (o.cold_fraction > 0 && o.split != SPLIT_LOO)
		usage_error("--cold-items needs --split loo");
	time_split_options(&o, cutoff_arg, vcutoff_arg, targets_arg, time_unit);
	const char *side[] = { items, users, imap, umap };
	const char *side_opt[] = { "--items", "--users", "--item-map", "--user-map" };
	refuse_output_over_input(out_path, argv, argc, side, side_opt, 4);
	if (!out_path || strcmp(out_path, "-") == 0)
		refuse_tty(stdout);

	/* Parse everything before writing anything: a bad line leaves no stream. */
	rating_array rows = { 0 };
	ratings_parser *rp = ratings_parser_new(format, &cols, skip_bad, &rows);
	if (!rp)
		die_oom("the ratings parser", ratings_parser_bytes());
	if (sep && ratings_set_sep(rp, sep) != 0)
		usage_error("--sep: %s", ratings_error(rp));
	if (header >= 0)
		ratings_set_header(rp, header);
	for (int i = 0; i < nwhere; i++)
		ratings_add_where(rp, where[i].col, where[i].vals, where[i].n);
	ratings_set_time_unit(rp, time_unit);
	const char *bits = getenv("TT_ID_HASH_BITS"); /* for tests: collisions */
	if (bits)
		ratings_set_id_bits(rp, (int)parse_int("TT_ID_HASH_BITS", bits, 1, 63));
	int nfiles = argc > 0 ? argc : 1;
	for (int i = 0; i < nfiles; i++) {
		const char *path = argc > 0 ? argv[i] : NULL;
		FILE *f = input_open(path);
		if (ratings_parse_file(rp, f, input_name(path)) != 0)
			die("%s", ratings_error(rp));
		close_input(f);
		int64_t fl = ratings_file_lines(rp);
		if (fl > 0 && ratings_file_skipped(rp) == fl)
			all_bad(rp, input_name(path), fl, nfiles == 1);
	}
	int settled = ratings_settle_times(rp);
	if (settled < 0)
		die("%s", ratings_error(rp));
	if (settled)
		warnx_("times taken as milliseconds: every one is at least 10^11 (as "
			"seconds, after the year 5138); --time-unit s reads them as seconds");
	else if (ratings_time_fraction(rp) && time_unit != TIME_MS)
		warnx_("times kept in milliseconds: the input has fractions of a second");
	if (ratings_skipped(rp) > 0)
		say_skipped(rp);
	say_mixed(rp);
	for (int i = 0; i < nwhere; i++)
		for (int v = 0; v < where[i].n; v++)
			if (!ratings_where_held(rp, i, v))
				warnx_("--where %s: no row holds '%s'", where[i].text, where[i].vals[v]);
	id_dict *names[2] = { ratings_take_ids(rp, IDS_USER), ratings_take_ids(rp, IDS_ITEM) };
	int time_ms = ratings_time_ms(rp), has_header = ratings_header(rp);
	int64_t filtered = ratings_filtered(rp);
	char used_sep = ratings_sep(rp);
	o.has_rating = ratings_has_rating(rp);
	o.has_time = ratings_has_time(rp);
	o.time_ms = time_ms;
	format = ratings_format(rp);
	int64_t lines = ratings_lines(rp), skipped = ratings_skipped(rp);
	ratings_parser_free(rp);
	for (int i = 0; i < nwhere; i++)
		free(where[i].col); /* the values live in it */
	const char *what = nfiles == 1 ? input_name(argc ? argv[0] : NULL) : "input";
	if (rows.n == 0 && filtered > 0)
		die("%s: no interactions: --where kept none of the %lld rows", what,
			(long long)filtered);
	if (rows.n == 0)
		die("%s: no interactions", what);
	if (o.has_min_rating && !o.has_rating)
		die("--min-rating: %s has no ratings (%s)", what,
			format == RF_SEQ ? "seq" : "a file without a rating column");

	prep p;
	build_stats st;
	char err[512];
	if (build_prep(&rows, &o, &p, &st, err, sizeof err) != 0)
		die("%s", err);
	name_ids(&p, names);
	int64_t miss_i = 0, miss_u = 0;
	attach_side(&p, items, users, il, ul, imap, umap, &miss_i, &miss_u);

	char cold[128] = "", *meta, *extra = NULL;
	size_t nextra = 0;
	FILE *ex = open_memstream(&extra, &nextra);
	if (!ex)
		die_oom("the meta record", 1024);
	if (used_sep != ',')
		fprintf(ex, "sep=%d\n", (unsigned char)used_sep);
	if (header >= 0 && format != RF_SEQ)
		fprintf(ex, "header=%d\n", has_header);
	for (int i = 0; i < nwhere; i++)
		fprintf(ex, "where_%d=%s\n", i + 1, where[i].text);
	if (nwhere)
		fprintf(ex, "where_removed=%lld\n", (long long)filtered);
	if (time_ms)
		fprintf(ex, "time_unit=ms\n");
	if (o.split == SPLIT_TIME)
		time_split_meta(ex, &o, &st);
	if (fclose(ex) != 0)
		die_oom("the meta record", 1024);
	if (p.cold)
		snprintf(cold, sizeof cold, "cold_seed=%llu\ncold_items=%lld\n",
			(unsigned long long)o.cold_seed, (long long)st.cold_items);
	if (asprintf(&meta, "producer=ml-prep %s\nsplit=%s\nformat=%s\n%s%s%s%s%s%s%s"
		"min_item_count=%lld\nmin_user_count=%lld\nk_core=%d\nkeep_repeats=%d\n"
		"skipped_lines=%lld\ntrain_only_users=%lld\n%s",
		TT_VERSION, split_names[o.split],
		rating_format_name(format), minr ? "min_rating=" : "", minr ? minr : "",
		minr ? "\n" : "", p.cold ? "cold_fraction=" : "", p.cold ? cold_arg : "",
		p.cold ? "\n" : "", cold, (long long)o.min_item_count,
		(long long)o.min_user_count, o.k_core, o.keep_repeats,
		(long long)skipped, (long long)st.train_only_users, extra) < 0)
		die_oom("the meta record", 1024);
	output *out = output_open(out_path);
	tts_writer *w = stream_writer(output_file(out), level);
	stream_commit(w, prep_write(w, &p, meta), out, out_path);
	free(meta);
	free(extra);
	if (stats)
		print_stats(&p, &st, &o, lines, skipped, filtered, miss_i, miss_u);
	prep_free(&p);
	stdout_close();
	return 0;
}
