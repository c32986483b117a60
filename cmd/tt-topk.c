/* tt-topk - exact top-K items by inner product for every user. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "cli.h"
#include "embed_stream.h"
#include "hash.h"
#include "ids.h"
#include "topk.h"

static void usage(void)
{
	printf("usage: %s [-k K] [options] ITEMS.tts [USERS.tts]\n"
		"       %s --merge [-k K] [options] ITEMS.tts RECS.tts ...\n"
		"       %s --similar [-k K] [options] ITEMS.tts [IDS]\n"
		"Top-K items by inner product for every user of an embeddings stream\n"
		"(standard input by default); items each user has seen are excluded.\n"
		"  -k, --k K             recommendations per user (default 10)\n"
		"      --keep-seen       do not exclude the items users have seen\n"
		"      --exclude FILE    exclude more: lines 'ITEM' (everyone) or\n"
		"                        'USER ITEM' (that user), original ids\n"
		"      --format FMT      tsv (default: user rank item score title) or tts\n"
		"                        (a recs stream)\n"
		"      --shard I/N       search only the I-th of N contiguous item ranges\n"
		"      --merge           merge recs streams (of shards) into one top-K\n"
		"      --similar         the K items most like each item id of IDS (one\n"
		"                        per line), by cosine, the item itself excluded\n"
		"  -t, --threads N       threads (default $TT_THREADS or 2)\n"
		"  -o, --output FILE     write FILE instead of standard output\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the version and exit\n",
		progname, progname, progname);
}

typedef struct {
	int k, keep_seen, tts, threads, merge, similar;
	int64_t shard, shards;
	const char *exclude, *output;
} options;

/* ---- exclusions from --exclude ---- */

typedef struct {
	int32_t *global;        /* item indices excluded for everyone */
	int64_t n_global;
	int64_t *pairs;         /* (P,2) (user id, item index), sorted */
	int64_t n_pairs;
} exclusions;

static int cmp_row(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static int cmp_pair(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

/* The row of an item id typed in file at line, which must be one of it. */
static int64_t item_row(embed_items *it, const char *file, long line, const char *tok)
{
	char err[300];
	int64_t x = embed_items_parse(it, tok, err, sizeof err);
	if (x == -2)
		die("%s:%ld: %s", file, line, err);
	if (x < 0)
		die("%s:%ld: unknown item id %s", file, line, tok);
	return x;
}

/* --exclude's lines: 'ITEM' for everyone, 'USER ITEM' for one user (of
 * string ids when users_named). */
static void read_exclusions(const char *path, embed_items *it, int users_named,
	exclusions *ex)
{
	FILE *f = input_open(path);
	char *line = NULL, *tok[2], err[300];
	size_t cap = 0, gcap = 0, pcap = 0;
	memset(ex, 0, sizeof *ex);
	for (long lineno = 1; getline(&line, &cap, f) >= 0; lineno++) {
		int n = id_line(line, tok, 2, path, lineno);
		if (n == 1) {
			if ((size_t)ex->n_global == gcap) {
				gcap = gcap ? 2 * gcap : 64;
				ex->global = realloc(ex->global, gcap * sizeof *ex->global);
				if (!ex->global)
					die_oom("the excluded items", gcap * sizeof *ex->global);
			}
			ex->global[ex->n_global++] = (int32_t)item_row(it, path, lineno, tok[0]);
		} else if (n == 2) {
			if ((size_t)ex->n_pairs == pcap) {
				pcap = pcap ? 2 * pcap : 64;
				ex->pairs = realloc(ex->pairs, pcap * 2 * sizeof *ex->pairs);
				if (!ex->pairs)
					die_oom("the excluded pairs", pcap * 2 * sizeof *ex->pairs);
			}
			if (id_parse(tok[0], users_named, "user", &ex->pairs[2 * ex->n_pairs], err,
				sizeof err) < 0)
				die("%s:%ld: %s", path, lineno, err);
			ex->pairs[2 * ex->n_pairs + 1] = item_row(it, path, lineno, tok[1]);
			ex->n_pairs++;
		}
	}
	if (ferror(f))
		die_errno("%s", path);
	free(line);
	if (f != stdin)
		fclose(f);
	if (ex->n_pairs) /* qsort of NULL is undefined, even for none */
		qsort(ex->pairs, ex->n_pairs, 2 * sizeof *ex->pairs, cmp_pair);
	if (ex->n_global) /* in order, once: the same list in any order is one filter */
		qsort(ex->global, ex->n_global, sizeof *ex->global, cmp_row);
	int64_t w = 0;
	for (int64_t i = 0; i < ex->n_global; i++)
		if (!w || ex->global[i] != ex->global[w - 1])
			ex->global[w++] = ex->global[i];
	ex->n_global = w;
}

/* What a shard's search left out besides its items, for its meta: a
 * merge of shards that left out different items would mix two searches. */
static void left_out_text(const options *opt, const exclusions *ex, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", opt->keep_seen ? "none" : "seen");
	if (!opt->exclude)
		return;
	uint64_t h = fnv1a64(ex->global, ex->n_global * sizeof *ex->global, FNV1A64_START);
	h = fnv1a64(ex->pairs, ex->n_pairs * 2 * sizeof *ex->pairs, h);
	snprintf(buf + n, len - n, "+exclude:%016" PRIx64, h);
}

/* Exclusion lists for one group: seen (unless kept) + global + per user. */
typedef struct {
	int64_t *off;           /* (B+1) */
	int32_t *items;
	size_t cap_off, cap_items;
} excl_lists;

static void excl_append(excl_lists *el, int64_t *n, const int32_t *items,
	int64_t count)
{
	if ((size_t)(*n + count) > el->cap_items) {
		while ((size_t)(*n + count) > el->cap_items)
			el->cap_items = el->cap_items ? 2 * el->cap_items : 1024;
		el->items = realloc(el->items, el->cap_items * sizeof *el->items);
		if (!el->items)
			die_oom("the excluded items", el->cap_items * sizeof *el->items);
	}
	if (count) /* items may be NULL then */
		memcpy(el->items + *n, items, count * sizeof *items);
	*n += count;
}

/* A user's seen items, as rows of the items stream: an item the stream
 * does not hold (a stream of some items, tt-embed --cold) needs no
 * excluding. */
static void excl_append_seen(excl_lists *el, int64_t *n, const embed_items *it,
	const int32_t *seen, int64_t count)
{
	if (!it->index) {
		excl_append(el, n, seen, count);
		return;
	}
	for (int64_t j = 0; j < count; j++) {
		int64_t row = embed_items_row(it, seen[j]);
		if (row >= 0) {
			int32_t r = (int32_t)row;
			excl_append(el, n, &r, 1);
		}
	}
}

/* A seen item outside the data set: the users came from another model.
 * A stream of some items (tt-embed --cold) does not tell the data set's
 * size, only that indices are not negative. */
static void check_seen_items(const embed_group *g, const embed_items *it,
	const char *name)
{
	int64_t n_items = it->index ? INT32_MAX : it->n;
	if (!g->seen_offsets)
		return;
	for (int64_t r = 0; r < g->n; r++)
		for (int64_t j = g->seen_offsets[r]; j < g->seen_offsets[r + 1]; j++)
			if (g->seen[j] < 0 || g->seen[j] >= n_items)
				die("%s: record seen: user %" PRId64 " has seen item index %d, "
					"outside the %" PRId64 " items", name, g->ids[r],
					g->seen[j], n_items);
}

static const int64_t *build_exclusions(excl_lists *el, const embed_group *g,
	const embed_items *it, const exclusions *ex, int keep_seen)
{
	int use_seen = !keep_seen && g->seen_offsets;
	if (!use_seen && !ex->n_global && !ex->n_pairs)
		return NULL;
	if ((size_t)g->n + 1 > el->cap_off) {
		el->cap_off = g->n + 1;
		el->off = realloc(el->off, el->cap_off * sizeof *el->off);
		if (!el->off)
			die_oom("the excluded items' offsets", el->cap_off * sizeof *el->off);
	}
	int64_t n = 0;
	el->off[0] = 0;
	for (int64_t r = 0; r < g->n; r++) {
		if (use_seen)
			excl_append_seen(el, &n, it, g->seen + g->seen_offsets[r],
				g->seen_offsets[r + 1] - g->seen_offsets[r]);
		excl_append(el, &n, ex->global, ex->n_global);
		int64_t key[2] = { g->ids[r], INT64_MIN };
		/* the first pair of this user: lower bound by binary search */
		int64_t lo = 0, hi = ex->n_pairs;
		while (lo < hi) {
			int64_t mid = lo + (hi - lo) / 2;
			if (cmp_pair(ex->pairs + 2 * mid, key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < ex->n_pairs && ex->pairs[2 * lo] == g->ids[r]; lo++) {
			int32_t item = (int32_t)ex->pairs[2 * lo + 1];
			excl_append(el, &n, &item, 1);
		}
		el->off[r + 1] = n;
	}
	return el->off;
}

/* ---- output ---- */

typedef struct {
	output *o;
	FILE *f;
	tts_writer *w;          /* --format tts */
	embed_items *items;
	const char *name;
} sink;

/* A write error: a closed pipe ends the program quietly. */
static void write_failed(sink *s, const char *why)
{
	if (errno == EPIPE || (ferror(s->f) && errno == EPIPE))
		exit(0);
	die("%s: write failed: %s", s->name, why ? why : strerror(errno));
}

static void emit(sink *s, const recs_group *rg)
{
	if (s->w) {
		if (recs_write_group(s->w, rg) < 0 || tts_flush(s->w) < 0)
			write_failed(s, tts_writer_error(s->w));
		return;
	}
	const embed_items *it = s->items;
	for (int64_t r = 0; r < rg->n; r++)
		for (int k = 0; k < rg->k; k++) {
			int32_t x = rg->items[r * rg->k + k];
			if (x < 0)
				break;
			x = (int32_t)embed_items_row(it, x);
			char ub[ID_BUF], ib[ID_BUF];
			fprintf(s->f, "%s\t%d\t%s\t%.6g", id_name(rg->user_names, rg->user_ids, r, ub),
				k + 1, id_name(it->names, it->ids, x, ib), rg->scores[r * rg->k + k]);
			if (it->titles) {
				fputc('\t', s->f);
				put_printable(s->f, it->titles[x]);
			}
			fputc('\n', s->f);
		}
	if (fflush(s->f) != 0 || ferror(s->f))
		write_failed(s, NULL);
}

static void sink_open(sink *s, const options *opt, embed_items *items,
	int k, const char *at, uint64_t model, const char *left_out)
{
	memset(s, 0, sizeof *s);
	s->o = output_open(opt->output);
	s->f = output_file(s->o);
	s->items = items;
	s->name = opt->output ? opt->output : "standard output";
	if (!opt->tts)
		return;
	refuse_tty(s->f);
	s->w = stream_writer(s->f, 0);
	if (recs_write_meta(s->w, k, at, model, opt->shard, opt->merge ? 1 : opt->shards,
		left_out) < 0)
		write_failed(s, tts_writer_error(s->w));
}

static void sink_close(sink *s)
{
	char err[256];
	if (s->w && tts_writer_close(s->w, err, sizeof err) < 0)
		write_failed(s, err);
	output_commit(s->o);
}

/* ---- the two modes ---- */

static void load_items(const char *path, embed_items *it)
{
	FILE *f = input_open(path);
	tts_reader *r = stream_reader(f);
	char err[256];
	if (embed_items_load(r, it, err, sizeof err) < 0)
		die("%s: %s", path, err);
	if (it->n == 0)
		die("%s: no items to rank", input_name(path));
	tts_reader_close(r);
	if (f != stdin)
		fclose(f);
}

/* The items searched and those --exclude leaves out; the K of the lists
 * (a query can get at most every item: a larger K would only pad). */
static int load_candidates(const options *opt, const char *items_path,
	embed_items *it, exclusions *ex, int users_named)
{
	load_items(items_path, it);
	if (opt->exclude)
		read_exclusions(opt->exclude, it, users_named < 0 ? it->names != NULL :
			users_named, ex);
	return opt->k < it->n ? opt->k : (int)it->n;
}

/* The search's rows, as the item indices and ids recs carry. */
static void rows_to_items(const embed_items *it, recs_group *rg)
{
	for (int64_t i = 0; i < rg->n * rg->k; i++) {
		int32_t row = rg->items[i];
		rg->item_ids[i] = row >= 0 ? it->ids[row] : 0;
		if (row >= 0)
			rg->items[i] = embed_items_index(it, row);
	}
	rg->has_item_ids = 1;
}

/* Two streams made from different models rank nothing that means anything. */
static void check_same_model(const char *a, uint64_t ma, const char *b, uint64_t mb)
{
	char x[17], y[17];
	if (!same_model(ma, mb))
		die("%s is of model %s, %s of model %s: streams of different models",
			a, model_hex(ma, x), b, model_hex(mb, y));
}

static void search(const options *opt, const char *items_path,
	const char *users_path)
{
	const char *uname = input_name(users_path);
	FILE *uf = input_open(users_path);
	tts_reader *r = stream_reader(uf);
	embed_reader er;
	if (embed_reader_open(&er, r) < 0)
		die("%s: %s", uname, er.g.err);
	if (!er.users)
		die("%s: embeddings of items, expected users", uname);
	embed_items it;
	exclusions ex = { 0 };
	int k = load_candidates(opt, items_path, &it, &ex, er.named);
	check_same_model(items_path, it.model, uname, er.g.model);
	if (er.dim != it.dim)
		die("dimension mismatch: %s has dim=%d, %s has dim=%d", items_path,
			it.dim, uname, er.dim);
	int64_t begin = it.n * opt->shard / opt->shards;
	int64_t end = it.n * (opt->shard + 1) / opt->shards;
	topk_workspace *ws = topk_workspace_new(k, opt->threads);
	if (!ws)
		die_oom("the top-K heaps and score tiles",
			topk_workspace_bytes(k, opt->threads));
	sink s;
	char left_out[64];
	left_out_text(opt, &ex, left_out, sizeof left_out);
	sink_open(&s, opt, &it, k, er.at, it.model ? it.model : er.g.model, left_out);
	embed_group g = { 0 };
	recs_group rg = { 0 };
	excl_lists el = { 0 };
	int rc;
	while ((rc = embed_read_group(&er, &g)) == 1) {
		check_seen_items(&g, &it, uname);
		const int64_t *off = build_exclusions(&el, &g, &it, &ex, opt->keep_seen);
		if (recs_group_reserve(&rg, g.n, k) < 0)
			die_oom("a group's recommendations", (size_t)g.n * k * 8);
		if (topk_search_range(g.vectors, g.n, it.vectors, begin, end, it.dim,
			k, off, el.items, rg.items, rg.scores, ws) < 0)
			die("%s", topk_error(ws));
		rows_to_items(&it, &rg);
		memcpy(rg.users, g.index, g.n * sizeof *rg.users);
		memcpy(rg.user_ids, g.ids, g.n * sizeof *rg.user_ids);
		rg.user_names = g.names;
		emit(&s, &rg);
	}
	if (rc < 0)
		die("%s: %s", uname, er.g.err);
	sink_close(&s);
	embed_reader_close(&er);
	tts_reader_close(r);
	if (uf != stdin)
		fclose(uf);
	embed_group_free(&g);
	recs_group_free(&rg);
	free(el.off), free(el.items), free(ex.global), free(ex.pairs);
	topk_workspace_free(ws);
	embed_items_free(&it);
}

/* Item ids, one per line ('#' comments), as rows of it: a group of
 * queries with their unit vectors and, as what they have seen, themselves. */
static int read_queries(FILE *f, const char *name, long *lineno, embed_items *it,
	const float *unit, embed_group *g, char **line, size_t *cap)
{
	g->n = 0;
	g->seen_offsets[0] = 0;
	while (g->n < EMBED_GROUP_ROWS && getline(line, cap, f) >= 0) {
		char *tok;
		++*lineno;
		if (id_line(*line, &tok, 1, name, *lineno) == 0)
			continue;
		int64_t row = item_row(it, name, *lineno, tok);
		const float *u = unit + row * it->dim;
		int zero = 1;
		for (int d = 0; d < it->dim && zero; d++)
			zero = u[d] == 0;
		if (zero) { /* every cosine with it is 0: no order to give */
			warnx_("%s:%ld: item %s has a zero vector: nothing is like it, no list",
				name, *lineno, tok);
			continue;
		}
		g->ids[g->n] = it->ids[row];
		if (it->names)
			g->names[g->n] = it->names[row];
		memcpy(g->vectors + g->n * it->dim, unit + row * it->dim, it->dim * sizeof *unit);
		g->seen[g->n] = embed_items_index(it, row);
		g->seen_offsets[g->n + 1] = g->n + 1;
		g->n++;
	}
	if (ferror(f))
		die_errno("%s", name);
	return g->n > 0;
}

static void similar(const options *opt, const char *items_path, const char *ids_path)
{
	embed_items it;
	exclusions ex = { 0 };
	int k = load_candidates(opt, items_path, &it, &ex, -1); /* its ids are items' */
	int64_t G = EMBED_GROUP_ROWS, D = it.dim;
	float *unit = malloc(((size_t)it.n * D + 1) * sizeof *unit);
	embed_group g = { .dim = it.dim };
	g.ids = malloc(G * sizeof *g.ids);
	g.vectors = malloc((size_t)G * D * sizeof *g.vectors);
	g.seen_offsets = malloc((G + 1) * sizeof *g.seen_offsets);
	g.seen = malloc(G * sizeof *g.seen);
	g.names = it.names ? malloc(G * sizeof *g.names) : NULL;
	topk_workspace *ws = topk_workspace_new(k, opt->threads);
	if (!unit || !g.ids || !g.vectors || !g.seen_offsets || !g.seen || (it.names && !g.names) ||
	    !ws)
		die_oom("the unit item vectors and a group of queries", (size_t)it.n * D *
			sizeof *unit + (size_t)G * (D * sizeof(float) + 20) +
			topk_workspace_bytes(k, opt->threads));
	topk_unit_rows(it.vectors, it.n, it.dim, unit);
	const char *name = input_name(ids_path);
	FILE *f = input_open(ids_path);
	sink s;
	sink_open(&s, opt, &it, k, NULL, it.model, NULL);
	recs_group rg = { 0 };
	excl_lists el = { 0 };
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	while (read_queries(f, name, &lineno, &it, unit, &g, &line, &cap)) {
		const int64_t *off = build_exclusions(&el, &g, &it, &ex, 0);
		if (recs_group_reserve(&rg, g.n, k) < 0)
			die_oom("a group's similar items", (size_t)g.n * k * 8);
		if (topk_search(g.vectors, g.n, unit, it.n, it.dim, k, off, el.items,
			rg.items, rg.scores, ws) < 0)
			die("%s", topk_error(ws));
		rows_to_items(&it, &rg);
		memcpy(rg.user_ids, g.ids, g.n * sizeof *rg.user_ids);
		rg.user_names = g.names;
		emit(&s, &rg);
	}
	sink_close(&s);
	if (f != stdin)
		fclose(f);
	free(line), free(unit);
	free(g.ids), free(g.vectors), free(g.seen_offsets), free(g.seen), free(g.names);
	recs_group_free(&rg);
	free(el.off), free(el.items), free(ex.global), free(ex.pairs);
	topk_workspace_free(ws);
	embed_items_free(&it);
}

typedef struct {
	const char *path;
	FILE *f;
	tts_reader *r;
	recs_reader rr;
	recs_group g;
} recs_input;

static void check_same_users(const recs_input *a, const recs_input *b,
	int64_t group)
{
	if (a->g.n != b->g.n ||
	    memcmp(a->g.users, b->g.users, a->g.n * sizeof *a->g.users) != 0)
		die("%s: group %" PRId64 ": users differ from %s's", b->path, group,
			a->path);
}

/* The shards merged cover every item range: a missing one would leave
 * its items out of every list, silently.  An input of no shard= is one
 * over every item. */
static void check_shards(const recs_input *in, int M)
{
	int64_t N = 0;
	const char *first = NULL;
	for (int m = 0; m < M; m++) {
		if (!in[m].rr.shards)
			return;
		if (N && in[m].rr.shards != N)
			die("%s is shard %" PRId64 "/%" PRId64 ", %s one of %" PRId64,
				in[m].path, in[m].rr.shard, in[m].rr.shards, first, N);
		N = in[m].rr.shards;
		first = in[m].path;
	}
	for (int64_t i = 0; i < N; i++) {
		int m = 0;
		while (m < M && in[m].rr.shard != i)
			m++;
		if (m == M)
			die("shard %" PRId64 "/%" PRId64 " is missing: its items would be in no list",
				i, N);
	}
}

/* Item k of row r of an input is one of the items, and the item its
 * item_ids say: the merged list names it by the index. */
static void check_merged_item(const recs_input *in, int64_t r, int k,
	const embed_items *it, const char *items_path)
{
	int64_t cell = r * in->g.k + k, x = in->g.items[cell];
	if (x < 0)
		return;
	int64_t row = embed_items_row(it, x);
	if (row < 0)
		die("%s: item index %" PRId64 " is not one of the %" PRId64 " items of %s",
			in->path, x, it->n, items_path);
	if (in->g.has_item_ids && in->g.item_ids[cell] != it->ids[row])
		die("%s: user %" PRId64 "'s item %d has index %" PRId64 ", item id %" PRId64
			", but item index %" PRId64 " of %s is item %" PRId64, in->path,
			in->g.user_ids[r], k + 1, x, in->g.item_ids[cell], x, items_path,
			it->ids[row]);
}

static void merge(const options *opt, int k_given, const char *items_path,
	char **paths, int M)
{
	embed_items it;
	load_items(items_path, &it);
	recs_input *in = calloc(M, sizeof *in);
	if (!in)
		die_oom("the inputs", M * sizeof *in);
	int K = opt->k;
	for (int m = 0; m < M; m++) {
		in[m].path = paths[m];
		in[m].f = input_open(paths[m]);
		in[m].r = stream_reader(in[m].f);
		if (recs_reader_open(&in[m].rr, in[m].r) < 0)
			die("%s: %s", paths[m], in[m].rr.g.err);
		if (!k_given && m == 0)
			K = in[0].rr.k;
		if (in[m].rr.k < K)
			die("%s: k=%d, fewer than the %d asked", paths[m], in[m].rr.k, K);
		check_same_model(items_path, it.model, paths[m], in[m].rr.g.model);
		if (m > 0)
			check_same_model(paths[0], in[0].rr.g.model, paths[m], in[m].rr.g.model);
		if (strcmp(in[m].rr.at, in[0].rr.at) != 0)
			die("%s: at=%s, %s at=%s: recommendations of different splits", paths[m],
				in[m].rr.at, paths[0], in[0].rr.at);
		if (strcmp(in[m].rr.left_out, in[0].rr.left_out) != 0)
			die("%s: left_out=%s, %s left_out=%s: shards of searches that left out "
				"different items (--keep-seen, --exclude)", paths[m],
				*in[m].rr.left_out ? in[m].rr.left_out : "(none given)", paths[0],
				*in[0].rr.left_out ? in[0].rr.left_out : "(none given)");
	}
	check_shards(in, M);
	uint64_t model = it.model;
	for (int m = 0; m < M && !model; m++)
		model = in[m].rr.g.model;
	sink s;
	sink_open(&s, opt, &it, K, in[0].rr.at, model, NULL);
	recs_group out = { 0 };
	const int32_t **lists = malloc(M * sizeof *lists);
	const float **scores = malloc(M * sizeof *scores);
	if (!lists || !scores)
		die_oom("the inputs' lists", M * (sizeof *lists + sizeof *scores));
	for (int64_t group = 1;; group++) {
		int rc0 = 0;
		for (int m = 0; m < M; m++) {
			int rc = recs_read_group(&in[m].rr, &in[m].g);
			if (rc < 0)
				die("%s: %s", paths[m], in[m].rr.g.err);
			if (m == 0)
				rc0 = rc;
			else if (rc != rc0)
				die("%s: %s than %s", paths[m], rc ? "more groups" :
					"fewer groups", paths[0]);
			else if (rc)
				check_same_users(&in[0], &in[m], group);
		}
		if (!rc0)
			break;
		int64_t B = in[0].g.n;
		if (recs_group_reserve(&out, B, K) < 0)
			die_oom("a group's recommendations", (size_t)B * K * 8);
		for (int64_t r = 0; r < B; r++) {
			for (int m = 0; m < M; m++) {
				lists[m] = in[m].g.items + r * in[m].g.k;
				scores[m] = in[m].g.scores + r * in[m].g.k;
				for (int k = 0; k < K; k++)
					check_merged_item(&in[m], r, k, &it, items_path);
			}
			topk_merge(lists, scores, M, K, out.items + r * K,
				out.scores + r * K);
		}
		memcpy(out.users, in[0].g.users, B * sizeof *out.users);
		memcpy(out.user_ids, in[0].g.user_ids, B * sizeof *out.user_ids);
		out.user_names = in[0].g.user_names;
		for (int64_t i = 0; i < B * K; i++)
			out.item_ids[i] = out.items[i] >= 0 ?
				it.ids[embed_items_row(&it, out.items[i])] : 0;
		out.has_item_ids = 1;
		emit(&s, &out);
	}
	sink_close(&s);
	for (int m = 0; m < M; m++) {
		recs_reader_close(&in[m].rr);
		recs_group_free(&in[m].g);
		tts_reader_close(in[m].r);
		if (in[m].f != stdin)
			fclose(in[m].f);
	}
	free(in), free(lists), free(scores);
	recs_group_free(&out);
	embed_items_free(&it);
}

static void parse_shard(const char *s, options *opt)
{
	long long i, n;
	char extra;
	if (sscanf(s, "%lld/%lld%c", &i, &n, &extra) != 2 || n < 1 || i < 0 ||
	    i >= n || n > 1000000)
		usage_error("--shard: '%s' is not I/N with 0 <= I < N", s);
	opt->shard = i;
	opt->shards = n;
}

int main(int argc, char **argv)
{
	enum { OPT_KEEP = 256, OPT_EXCLUDE, OPT_FORMAT, OPT_SHARD, OPT_MERGE, OPT_SIMILAR };
	static const struct option longopts[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "keep-seen", no_argument, NULL, OPT_KEEP },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "merge", no_argument, NULL, OPT_MERGE },
		{ "similar", no_argument, NULL, OPT_SIMILAR },
		{ "threads", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	options opt = { .k = 10, .shards = 1 };
	int k_given = 0, c;
	cli_init(argv);
	while ((c = getopt_long(argc, argv, "k:t:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			opt.k = (int)parse_int("-k", optarg, 1, 1 << 20);
			k_given = 1;
			break;
		case OPT_KEEP:
			opt.keep_seen = 1;
			break;
		case OPT_EXCLUDE:
			opt.exclude = optarg;
			break;
		case OPT_FORMAT:
			opt.tts = parse_choice("--format", optarg, (const char *const[]){ "tsv", "tts" }, 2) == 1;
			break;
		case OPT_SHARD:
			parse_shard(optarg, &opt);
			break;
		case OPT_MERGE:
			opt.merge = 1;
			break;
		case OPT_SIMILAR:
			opt.similar = 1;
			break;
		case 't':
			opt.threads = parse_threads(optarg);
			break;
		case 'o':
			opt.output = optarg;
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
	/* A reader that goes away (| head) is not an error: see write_failed. */
	signal(SIGPIPE, SIG_IGN);
	if (opt.similar && (opt.merge || opt.shards > 1 || opt.keep_seen || opt.tts))
		usage_error("--similar takes no --merge, --shard, --keep-seen or --format tts");
	if (opt.merge) {
		if (argc < 2)
			usage_error("--merge needs ITEMS.tts and at least one RECS.tts");
		if (opt.shards > 1 || opt.keep_seen || opt.exclude)
			usage_error("--merge takes no --shard, --keep-seen or --exclude");
		for (int a = 0; a < argc; a++) {
			for (int b = a + 1; b < argc; b++)
				inputs_apart(argv[a], argv[a], argv[b], argv[b]);
			output_apart(opt.output, argv[a]);
		}
		merge(&opt, k_given, argv[0], argv + 1, argc - 1);
	} else {
		const char *second = opt.similar ? "IDS" : "USERS.tts";
		if (argc < 1 || argc > 2)
			usage_error("expected ITEMS.tts and at most one %s", second);
		const char *users = argc > 1 ? argv[1] : NULL;
		inputs_apart("ITEMS.tts", argv[0], second, users);
		if (opt.exclude) {
			inputs_apart("--exclude", opt.exclude, "ITEMS.tts", argv[0]);
			inputs_apart("--exclude", opt.exclude, second, users);
			output_apart(opt.output, opt.exclude);
		}
		output_apart(opt.output, argv[0]);
		output_apart(opt.output, users);
		if (!opt.threads)
			opt.threads = default_threads();
		if (blas_start(opt.threads) != 0)
			die_oom("BLAS's buffers", blas_buffer_bytes(opt.threads));
		if (opt.similar)
			similar(&opt, argv[0], users);
		else
			search(&opt, argv[0], users);
	}
	stdout_close();
	return 0;
}
