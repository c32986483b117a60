/* tt-embed - item vectors from a model, or user vectors from a model and a prep stream. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "blas.h"
#include "cli.h"
#include "embed_stream.h"
#include "evaluate.h"
#include "id_lookup.h"
#include "ids.h"
#include "model.h"
#include "prep.h"
#include "side.h"
#include "tts.h"

static const char usage_text[] =
"usage: tt-embed [options] MODEL > items.tts\n"
"       tt-embed --users [options] MODEL [PREP] > users.tts\n"
"       tt-embed --items FILE [options] MODEL > items.tts\n"
"       tt-embed --cold [options] MODEL [PREP] > cold.tts\n"
"Run the item tower over every item, or the user tower over the history of\n"
"every user of a prep stream (PREP or standard input).\n"
"\n"
"  -u, --users          user vectors instead of item vectors\n"
"      --items FILE     also the items of FILE (movies.dat, movies.csv or u.item)\n"
"                       that the model does not know, placed by their features\n"
"      --item-id COL    FILE is a catalogue of any shape, its ids in COL, its\n"
"                       feature columns the model's (ml-prep(1) --item-feature)\n"
"      --item-title COL its titles (default: none)\n"
"      --item-sep C     its separator (default ',')\n"
"      --cold           only the cold items of PREP, placed by their features\n"
"      --user ID,...    only these users (original ids)\n"
"      --at SPLIT       history before the test target (test, the default:\n"
"                       recommendations for now) or the validation target (valid)\n"
"  -t, --threads N      threads (TT_THREADS or 2)\n"
"  -o, --output FILE    write to FILE (atomically) instead of stdout\n"
"  -l, --level N        zstd level (3)\n"
"  -h, --help           this help\n"
"  -V, --version        version\n";

static struct {
	int users, threads, level, split, cold, at_set;
	const char *model, *prep, *output, *items;
	const char *item_id, *item_title; /* --items of any shape */
	char item_sep;
	char **only;           /* --user's ids as given, in order (in one string) */
	int64_t n_only;
} opt = { .level = 3, .split = SPLIT_TEST };

/* --user ID,...: at least one id; read as ids once the prep says
 * whether its users' are strings (selected_users). */
static void parse_user_list(const char *s)
{
	size_t n = 1;
	for (const char *c = s; *c; c++)
		n += *c == ',';
	char *copy = strdup(s);
	opt.only = malloc(n * sizeof *opt.only);
	if (!copy || !opt.only)
		die_oom("--user's ids", strlen(s) + n * sizeof *opt.only);
	for (size_t k = 0; k < n; k++) {
		opt.only[k] = strsep(&copy, ",");
		if (!*opt.only[k])
			usage_error("--user: %s", *s ? "an empty id in the list" : "no user ids");
	}
	opt.n_only = (int64_t)n;
}

static void parse_options(int argc, char **argv)
{
	enum { O_USER = 256, O_AT, O_ITEMS, O_COLD, O_IID, O_ITITLE, O_ISEP };
	static const struct option longopts[] = {
		{ "users", no_argument, NULL, 'u' },
		{ "items", required_argument, NULL, O_ITEMS },
		{ "cold", no_argument, NULL, O_COLD },
		{ "item-id", required_argument, NULL, O_IID },
		{ "item-title", required_argument, NULL, O_ITITLE },
		{ "item-sep", required_argument, NULL, O_ISEP },
		{ "user", required_argument, NULL, O_USER },
		{ "at", required_argument, NULL, O_AT },
		{ "threads", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "ut:o:l:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': opt.users = 1; break;
		case O_USER: parse_user_list(optarg); opt.users = 1; break;
		case O_ITEMS: opt.items = optarg; break;
		case O_COLD: opt.cold = 1; break;
		case O_IID: opt.item_id = optarg; break;
		case O_ITITLE: opt.item_title = optarg; break;
		case O_ISEP:
			if (strlen(optarg) != 1 && strcmp(optarg, "tab"))
				usage_error("--item-sep: '%s' is not one byte or tab", optarg);
			opt.item_sep = strcmp(optarg, "tab") ? optarg[0] : '\t';
			break;
		case O_AT:
			opt.at_set = 1;
			opt.split = parse_choice("--at", optarg, split_names, 2) == 0 ? SPLIT_TEST : SPLIT_VALID;
			break;
		case 't': opt.threads = parse_threads(optarg); break;
		case 'o': opt.output = optarg; break;
		case 'l': opt.level = (int)parse_int("--level", optarg, 1, 19); break;
		case 'h': fputs(usage_text, stdout); stdout_close(); exit(0);
		case 'V': print_version();
		default: usage_hint();
		}
	}
	argc -= optind;
	argv += optind;
	if (!opt.threads)
		opt.threads = default_threads();
	if (argc < 1)
		usage_error("no model file");
	if (opt.items && opt.users)
		usage_error("--items is for item vectors, not with --users");
	if ((opt.item_id || opt.item_title || opt.item_sep) && !opt.items)
		usage_error("--item-id, --item-title and --item-sep describe --items FILE");
	if ((opt.item_title || opt.item_sep) && !opt.item_id)
		usage_error("--item-title and --item-sep need --item-id");
	if (opt.at_set && !opt.users)
		usage_error("--at picks the users' history, only with --users");
	if (opt.cold && (opt.users || opt.items))
		usage_error("--cold is the prep's cold items alone, not with %s",
			opt.users ? "--users" : "--items");
	if (argc > (opt.users || opt.cold ? 2 : 1))
		usage_error("too many files");
	opt.model = argv[0];
	opt.prep = argc > 1 ? argv[1] : NULL;
	if (opt.users || opt.cold) {
		inputs_apart("MODEL", opt.model, "PREP", opt.prep);
		output_apart(opt.output, opt.prep);
	}
	output_apart(opt.output, opt.model);
	if (opt.items)
		output_apart(opt.output, opt.items);
}

static model *load_model(prep *ids)
{
	char err[512];
	model *m;
	FILE *f = input_open(opt.model);
	if (model_load(f, &m, ids, err, sizeof err))
		die("%s: %s", opt.model, err);
	if (f != stdin)
		fclose(f);
	return m;
}

/* The items of --items the model does not know, as a prep of their side
 * data; *n_new gets how many. */
static void read_new_items(const model *m, const prep *ids, prep *fresh)
{
	char err[512];
	item_side s;
	static side_layout l;
	FILE *f = fopen(opt.items, "rb");
	if (!f)
		die_errno("%s", opt.items);
	if (opt.item_id) { /* read by the model's columns */
		if (side_layout_of(model_item_columns(m), &l, err, sizeof err))
			die("%s: %s", opt.model, err);
		l.id = opt.item_id;
		l.title = opt.item_title;
		l.sep = opt.item_sep;
	}
	if (opt.item_id ? item_side_read_layout(f, opt.items, &l, &s, err, sizeof err) :
	    item_side_read(f, opt.items, &s, err, sizeof err))
		die("%s", err);
	fclose(f);
	/* a model of string ids matches the file's by their hashes */
	int named = ids->item_names != NULL;
	if (!named && s.textual)
		die("%s: string item ids, but the model's are integers", opt.items);
	const int64_t *sid = named ? s.keys : s.ids;
	int64_t *known = id_lookup_new(ids->item_ids, ids->n_items), n = 0;
	if (!known)
		die_oom("the model's item ids", 2 * (size_t)ids->n_items * sizeof *known);
	memset(fresh, 0, sizeof *fresh);
	fresh->item_ids = malloc((s.n ? s.n : 1) * sizeof *fresh->item_ids);
	fresh->titles = calloc(s.n ? s.n : 1, sizeof *fresh->titles);
	fresh->year = s.year ? malloc((s.n ? s.n : 1) * sizeof *fresh->year) : NULL;
	fresh->genres = s.genres ? malloc((s.n ? s.n : 1) * (s.n_genres ? s.n_genres : 1)) : NULL;
	fresh->item_names = named ? calloc(s.n ? s.n : 1, sizeof *fresh->item_names) : NULL;
	int64_t *at = malloc((s.n ? s.n : 1) * sizeof *at);
	if (!fresh->item_ids || !fresh->titles || (s.year && !fresh->year) ||
	    (s.genres && !fresh->genres) || (named && !fresh->item_names) || !at)
		die_oom("the new items' features", (size_t)(s.n ? s.n : 1) * (sizeof *fresh->item_ids +
			sizeof *fresh->titles + sizeof *fresh->year + (s.n_genres ? s.n_genres : 1)));
	for (int64_t i = 0; i < s.n; i++) {
		if (id_lookup(known, ids->n_items, sid[i]) >= 0)
			continue;
		fresh->item_ids[n] = sid[i];
		if (named) {
			fresh->item_names[n] = s.names[i];
			s.names[i] = NULL;
		}
		fresh->titles[n] = s.titles ? s.titles[i] : strdup("");
		if (s.titles)
			s.titles[i] = NULL;
		if (s.year)
			fresh->year[n] = s.year[i];
		if (s.genres)
			memcpy(fresh->genres + n * s.n_genres, s.genres + i * s.n_genres, s.n_genres);
		at[n++] = i;
	}
	fresh->n_items = n;
	if (side_columns_select(&fresh->item_cols, &s.cols, at, n))
		die_oom("the new items' feature columns", (size_t)s.n * sizeof *at);
	free(at);
	fresh->n_genres = s.n_genres;
	fresh->genre_names = s.genre_names;
	s.genre_names = NULL;
	s.n_genres = 0;
	fprintf(stderr, "%s: %s: %lld new items, %lld the model knows\n", progname, opt.items,
		(long long)n, (long long)(s.n - n));
	item_side_free(&s);
	free(known);
}

/* Vectors (n,E) of the items of side (from source) by their features
 * alone, or by their id part too where known[i] is a model item it trained. */
static void place_items(model *m, const prep *side, const int32_t *known, float *out,
	const char *source)
{
	char err[512], unknown[300];
	if (model_side_item_vectors(m, side, known, out, unknown, sizeof unknown, err, sizeof err))
		die("%s: %s", opt.model, err);
	if (*unknown)
		fprintf(stderr, "%s: %s: %s is not one the model knows: left out\n",
			progname, source, unknown);
}

/* Every item of the model, then with --items the new ones, numbered on
 * from N. */
static void write_items(model *m, const prep *ids, tts_writer *w)
{
	const model_config *c = model_cfg(m);
	prep fresh;
	memset(&fresh, 0, sizeof fresh);
	if (opt.items)
		read_new_items(m, ids, &fresh);
	int64_t n = c->N + fresh.n_items;
	embed_group g;
	memset(&g, 0, sizeof g);
	g.n = n;
	g.dim = c->E;
	g.ids = malloc(n * sizeof *g.ids);
	g.names = ids->item_names ? malloc(n * sizeof *g.names) : NULL;
	g.index = malloc(n * sizeof *g.index);
	g.titles = calloc(n, sizeof *g.titles);
	g.vectors = malloc((size_t)n * c->E * sizeof *g.vectors);
	int32_t *none = malloc((fresh.n_items ? fresh.n_items : 1) * sizeof *none);
	if (!g.ids || !g.index || !g.titles || !g.vectors || !none)
		die_oom("the item vectors", (size_t)n * (sizeof *g.ids + sizeof *g.index +
			sizeof *g.titles + c->E * sizeof *g.vectors + sizeof *none));
	if (model_item_vectors(m, g.vectors))
		die_oom("the item tower's activations", (size_t)c->N * c->E * sizeof(float));
	for (int64_t i = 0; i < n; i++) {
		g.index[i] = (int32_t)i;
		g.ids[i] = i < c->N ? ids->item_ids[i] : fresh.item_ids[i - c->N];
		g.titles[i] = i < c->N ? (ids->titles ? ids->titles[i] : "") : fresh.titles[i - c->N];
		if (g.names)
			g.names[i] = i < c->N ? ids->item_names[i] : fresh.item_names[i - c->N];
	}
	if (fresh.n_items) {
		for (int64_t i = 0; i < fresh.n_items; i++)
			none[i] = -1;
		place_items(m, &fresh, none, g.vectors + (size_t)c->N * c->E, opt.items);
	}
	if (!ids->titles && !fresh.n_items) { /* no titles: no empty column after the score */
		free(g.titles);
		g.titles = NULL;
	}
	if (embed_write_meta(w, 0, c->E, n, 0, NULL, model_identity(m, ids), g.names != NULL) ||
	    embed_write_group(w, &g))
		die("%s: %s", opt.output ? opt.output : "standard output", tts_writer_error(w));
	free(g.ids);
	free(g.names);
	free(g.index);
	free(g.titles);
	free(g.vectors);
	free(none);
	prep_free(&fresh);
}

/* The cold items of p alone, by their features: the candidates of
 * tt-eval --cold, as the items would look to a model that never trained
 * on them, whatever this one did.  Their indices are the model's, which
 * the users' seen items are in (p's when the model was trained on p); an
 * item the model lacks is numbered on from N, as --items numbers them. */
static void write_cold(model *m, const prep *ids, const prep *p, tts_writer *w)
{
	const char *name = input_name(opt.prep);
	if (!p->cold)
		die("%s: no cold items (ml-prep --cold-items makes them)", name);
	if (!p->genres && !p->year && !p->titles && !p->item_cols.C)
		die("%s: no side data to place the cold items by (ml-prep --items adds it)", name);
	int64_t C = 0, G = p->genres ? p->n_genres : 0;
	for (int64_t i = 0; i < p->n_items; i++)
		C += prep_is_cold(p, i);
	prep side;
	memset(&side, 0, sizeof side);
	side.n_items = C;
	side.n_genres = p->n_genres;
	side.genre_names = p->genre_names;
	side.item_ids = malloc(C * sizeof *side.item_ids);
	side.titles = p->titles ? malloc(C * sizeof *side.titles) : NULL;
	side.genres = G ? malloc(C * G) : NULL;
	side.year = p->year ? malloc(C * sizeof *side.year) : NULL;
	embed_group g;
	memset(&g, 0, sizeof g);
	g.n = C;
	g.dim = model_cfg(m)->E;
	g.index = malloc(C * sizeof *g.index);
	g.vectors = malloc((size_t)C * g.dim * sizeof *g.vectors);
	int32_t *none = malloc(C * sizeof *none);
	int64_t *model_items = id_lookup_new(ids->item_ids, ids->n_items), fresh = ids->n_items;
	char **cold_names = p->item_names ? malloc(C * sizeof *cold_names) : NULL;
	int64_t *at = malloc((C ? C : 1) * sizeof *at);
	if (!at || (p->item_names && !cold_names) || !side.item_ids || (p->titles && !side.titles) || (G && !side.genres) ||
	    (p->year && !side.year) || !g.index || !g.vectors || !none || !model_items)
		die_oom("the cold items' features and vectors", (size_t)C * (sizeof *side.item_ids +
			sizeof *side.titles + G + sizeof *side.year + sizeof *g.index +
			g.dim * sizeof *g.vectors + sizeof *none));
	for (int64_t i = 0, k = 0; i < p->n_items; i++) {
		if (!prep_is_cold(p, i))
			continue;
		side.item_ids[k] = p->item_ids[i];
		if (cold_names)
			cold_names[k] = p->item_names[i];
		if (side.titles)
			side.titles[k] = p->titles[i];
		if (G)
			memcpy(side.genres + k * G, p->genres + i * G, G);
		if (side.year)
			side.year[k] = p->year[i];
		int64_t x = id_lookup(model_items, ids->n_items, p->item_ids[i]);
		g.index[k] = (int32_t)(x >= 0 ? x : fresh++);
		at[k] = i;
		none[k++] = -1;
	}
	free(model_items);
	if (side_columns_select(&side.item_cols, &p->item_cols, at, C))
		die_oom("the cold items' feature columns", (size_t)C * sizeof *at);
	free(at);
	place_items(m, &side, none, g.vectors, name);
	g.ids = side.item_ids;
	g.names = cold_names;
	g.titles = side.titles;
	if (embed_write_meta(w, 0, g.dim, C, 0, NULL, model_identity(m, ids), g.names != NULL) ||
	    embed_write_group(w, &g))
		die("%s: %s", opt.output ? opt.output : "standard output", tts_writer_error(w));
	free(side.item_ids), free(side.titles), free(side.genres), free(side.year), free(cold_names);
	side_columns_free(&side.item_cols);
	free(g.index), free(g.vectors), free(none);
}

/* The users asked for with --user, as prep indices in the order given. */
static int64_t *selected_users(const prep *p, int64_t *n)
{
	int64_t *pairs = id_lookup_new(p->user_ids, p->n_users);
	int64_t *sel = malloc(opt.n_only * sizeof *sel);
	if (!pairs || !sel)
		die_oom("the user ids", 2 * (size_t)p->n_users * sizeof *pairs +
			opt.n_only * sizeof *sel);
	char err[300];
	for (int64_t k = 0; k < opt.n_only; k++) {
		int64_t id;
		if (id_parse(opt.only[k], p->user_names != NULL, "user", &id, err, sizeof err) < 0)
			usage_error("--user: %s", err);
		if ((sel[k] = id_lookup(pairs, p->n_users, id)) < 0)
			die("%s: no user %s", input_name(opt.prep), opt.only[k]);
		for (int64_t e = 0; e < k; e++)
			if (sel[e] == sel[k])
				usage_error("--user: user %s given twice", opt.only[k]);
	}
	free(pairs);
	*n = opt.n_only;
	return sel;
}

/* Occupation codes of user_feat_emb: its rows after gender's 2 and the
 * 7 age bands (tt-fit(1), USER FEATURES). */
#define OCCUPATION_CODES (USER_FEATURE_ROWS - 9)

/* The users' features a model of them adds: each a code the model has
 * a row for, or it would be dropped silently; none at all is the tower
 * alone (as for a history typed to tt-rec), said. */
static void check_user_side(const model *m, const prep *p)
{
	const char *name = input_name(opt.prep);
	const model_config *c = model_cfg(m);
	if (!c->user_features)
		return;
	if (c->user_vocab ? !p->user_cols.C : !p->gender)
		fprintf(stderr, "%s: %s: no users' side data (ml-prep --users): the user vectors "
			"are the tower's alone, without the %s %s adds\n", progname, name,
			c->user_vocab ? "users file's columns" : "gender, age and occupation", opt.model);
	for (int64_t u = 0; !c->user_vocab && p->occupation && u < p->n_users; u++)
		if (p->occupation[u] >= OCCUPATION_CODES)
			die("%s: user %lld's occupation %d is not a code 0 to %d, which the model "
				"has rows for", name, (long long)p->user_ids[u], (int)p->occupation[u],
				OCCUPATION_CODES - 1);
}

static void write_users(model *m, const prep *ids, const prep *p, tts_writer *w)
{
	const model_config *c = model_cfg(m);
	int64_t L = c->L, E = c->E, n;
	int64_t *users = NULL;
	check_user_side(m, p);
	if (opt.only)
		users = selected_users(p, &n);
	else
		n = p->n_users;
	/* the prep's numbering may differ from the model's: map by original id */
	int64_t *model_users = id_lookup_new(ids->user_ids, ids->n_users);
	int64_t *model_items = id_lookup_new(ids->item_ids, ids->n_items);
	int32_t *item_map = malloc((p->n_items ? p->n_items : 1) * sizeof *item_map);
	if (!model_users || !model_items || !item_map)
		die_oom("the id maps", 2 * (size_t)(ids->n_users + ids->n_items) * sizeof *model_users +
			(size_t)p->n_items * sizeof *item_map);
	int64_t unknown = 0, dropped = 0;
	for (int64_t i = 0; i < p->n_items; i++) {
		item_map[i] = (int32_t)id_lookup(model_items, ids->n_items, p->item_ids[i]);
		unknown += item_map[i] < 0;
	}
	if (p->n_items && unknown == p->n_items)
		die("%s: none of its %lld items is one of the model's: a data set of other ids?",
			input_name(opt.prep), (long long)p->n_items);
	int64_t G = EMBED_GROUP_ROWS;
	embed_group g;
	memset(&g, 0, sizeof g);
	g.dim = c->E;
	g.ids = malloc(G * sizeof *g.ids);
	g.index = malloc(G * sizeof *g.index);
	g.vectors = malloc((size_t)G * E * sizeof *g.vectors);
	g.seen_offsets = malloc((G + 1) * sizeof *g.seen_offsets);
	g.names = p->user_names ? malloc(G * sizeof *g.names) : NULL;
	int32_t *muser = malloc(G * sizeof *muser);
	int32_t *urows = malloc((size_t)(p->n_users ? p->n_users : 1) * USER_FEATURES * sizeof *urows);
	char unknown_value[300];
	int32_t *hist = malloc((size_t)G * L * sizeof *hist);
	int64_t seen_cap = 1 << 16;
	g.seen = malloc(seen_cap * sizeof *g.seen);
	if (!g.ids || !g.index || !g.vectors || !g.seen_offsets || !muser || !urows || !hist ||
	    !g.seen || (p->user_names && !g.names))
		die_oom("a group of user vectors", (size_t)G * (sizeof *g.ids + sizeof *g.index +
			E * sizeof *g.vectors + sizeof *g.seen_offsets + sizeof *muser + L * sizeof *hist) +
			seen_cap * sizeof *g.seen);
	if (c->user_features && model_users_rows(m, p, urows, unknown_value, sizeof unknown_value))
		die_oom("the users' feature rows", (size_t)p->n_users * USER_FEATURES * sizeof *urows);
	if (c->user_features && *unknown_value)
		fprintf(stderr, "%s: %s: %s is not one the model knows: left out\n", progname,
			input_name(opt.prep), unknown_value);
	int32_t *grows = malloc(G * USER_FEATURES * sizeof *grows);
	if (!grows)
		die_oom("a group of user rows", G * USER_FEATURES * sizeof *grows);
	if (embed_write_meta(w, 1, c->E, n, p->n_users, split_names[opt.split == SPLIT_VALID],
	    model_identity(m, ids), g.names != NULL))
		die("%s: %s", opt.output ? opt.output : "standard output", tts_writer_error(w));
	for (int64_t i0 = 0; i0 < n; i0 += G) {
		int64_t B = n - i0 < G ? n - i0 : G, S = 0;
		g.n = B;
		g.seen_offsets[0] = 0;
		for (int64_t b = 0; b < B; b++) {
			int64_t u = users ? users[i0 + b] : i0 + b;
			int64_t end = split_target(p, u, opt.split);
			if (end < 0) /* no held-out target: everything is history */
				end = p->offsets[u + 1];
			int64_t mu = id_lookup(model_users, ids->n_users, p->user_ids[u]);
			if (mu < 0 && c->arch == ARCH_SEED)
				die("%s: user %lld is not in the model; the seed architecture has a "
					"learned vector per user, so only training users can be embedded",
					input_name(opt.prep), (long long)p->user_ids[u]);
			muser[b] = mu < 0 ? 0 : (int32_t)mu;
			memcpy(grows + b * USER_FEATURES, urows + u * USER_FEATURES,
				USER_FEATURES * sizeof *grows);
			g.ids[b] = p->user_ids[u];
			if (g.names)
				g.names[b] = p->user_names[u];
			g.index[b] = (int32_t)u;
			/* the history in the model's item numbering; unknown items dropped */
			for (int64_t j = p->offsets[u]; j < end; j++) {
				int32_t it = item_map[p->items[j]];
				if (it < 0) {
					dropped++;
					continue;
				}
				if (S == seen_cap && !(g.seen = realloc(g.seen, (seen_cap *= 2) * sizeof *g.seen)))
					die_oom("a group's seen items", seen_cap * sizeof *g.seen);
				g.seen[S++] = it;
			}
			history_row(hist + b * L, g.seen + g.seen_offsets[b], S - g.seen_offsets[b], L);
			g.seen_offsets[b + 1] = S;
		}
		/* user features: of this data's users, whichever the model trained */
		if (c->user_features ? model_user_vectors_of(m, grows, hist, B, g.vectors) :
		    model_user_vectors(m, muser, hist, B, g.vectors))
			die_oom("the user tower's activations", (size_t)B * L * E * sizeof(float));
		if (embed_write_group(w, &g))
			die("%s: %s", opt.output ? opt.output : "standard output", tts_writer_error(w));
	}
	if (dropped)
		fprintf(stderr, "%s: %s: %lld history items of %lld items the model does not "
			"know, left out\n", progname, input_name(opt.prep), (long long)dropped,
			(long long)unknown);
	free(g.ids); free(g.index); free(g.vectors); free(g.seen_offsets); free(g.seen); free(g.names);
	free(muser); free(urows); free(grows); free(hist); free(item_map);
	free(model_users); free(model_items); free(users);
}

int main(int argc, char **argv)
{
	char err[512];
	cli_init(argv);
	parse_options(argc, argv);
	if (blas_start(opt.threads) != 0)
		die_oom("BLAS's buffers", blas_buffer_bytes(opt.threads));
	prep ids, p;
	model *m = load_model(&ids);
	tts_reader *r = NULL;
	if (opt.users || opt.cold) {
		FILE *in = input_open(opt.prep);
		r = stream_reader(in);
		if (prep_read(r, &p, err, sizeof err))
			die("%s: %s", input_name(opt.prep), err);
	}
	if (!opt.output || strcmp(opt.output, "-") == 0)
		refuse_tty(stdout);
	output *o = output_open(opt.output);
	tts_writer *w = stream_writer(output_file(o), opt.level);
	if (opt.users) {
		if (model_infer_alloc(m, 256, opt.threads))
			die_oom("the user tower's activations", (size_t)256 * opt.threads *
				model_cfg(m)->L * model_cfg(m)->E * sizeof(float));
		write_users(m, &ids, &p, w);
	}
	else if (opt.cold)
		write_cold(m, &ids, &p, w);
	else
		write_items(m, &ids, w);
	if (tts_writer_close(w, err, sizeof err))
		die("%s: %s", opt.output ? opt.output : "standard output", err);
	output_commit(o);
	if (opt.users || opt.cold) {
		tts_reader_close(r);
		prep_free(&p);
	}
	prep_free(&ids);
	model_free(m);
	if (opt.only)
		free(opt.only[0]);
	free(opt.only);
	stdout_close();
	return 0;
}
