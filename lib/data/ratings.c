/* ratings.c - parsing interaction files: the parser, the rows it fills,
 * and the driver that cuts input into lines (each format's lines in
 * ratings_formats.c). */
#include "ratings.h"
#include "ratings_impl.h"

#include "big_alloc.h"
#include "instream.h"

#include <csv.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const rating_format_names[RF_SEQ + 1] = { "auto", "dat", "tsv", "csv", "seq" };

const char *rating_format_name(int format)
{
	if (format < 0 || format > RF_SEQ)
		return "?";
	return rating_format_names[format];
}

void rating_array_free(rating_array *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* Room for at least want rows.  Moving a big array costs more than its
 * copy: its pages are faulted in again at their new place. */
static int rating_reserve(rating_array *a, size_t want)
{
	if (want <= a->cap)
		return 0;
	rating_row *v;
	if (a->n == 0) {
		if (!(v = big_alloc(want * sizeof *v)))
			return -1;
		free(a->v);
	} else if (!(v = realloc(a->v, want * sizeof *v))) {
		return -1;
	}
	a->v = v;
	a->cap = want;
	return 0;
}

/* Without a size hint (pipes, compressed input): quadrupling moves the
 * array less often, and the pages it never touches cost nothing. */
static size_t rating_next_cap(const rating_array *a)
{
	return a->cap ? a->cap * 4 : 4096;
}

int rating_grow(rating_array *a)
{
	return rating_reserve(a, rating_next_cap(a));
}

void ratings_push_failed(ratings_parser *p)
{
	size_t n = rating_next_cap(p->out);
	snprintf(p->err, sizeof p->err, "%s:%lld: out of memory for %zu ratings (%.1f MB)",
		p->name, (long long)p->line, n, n * sizeof *p->out->v / 1e6);
}

size_t ratings_parser_bytes(void)
{
	return sizeof(ratings_parser);
}


ratings_parser *ratings_parser_new(int format, const rating_columns *cols,
	int skip_bad, rating_array *out)
{
	ratings_parser *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->format = format;
	p->format_given = format != RF_AUTO;
	p->skip_bad = skip_bad;
	p->out = out;
	if (cols)
		p->cols = *cols;
	p->has_rating = p->has_time = 1;
	p->sep = ',';
	p->id_bits = 63;
	p->header_opt = -1;
	return p;
}

int ratings_set_sep(ratings_parser *p, char sep)
{
	if (sep == '"' || sep == '\n' || sep == '\r' || sep == '\0') {
		snprintf(p->err, sizeof p->err, "a separator cannot be a quote, a line end or NUL");
		return -1;
	}
	if (p->format != RF_AUTO && p->format != RF_CSV) {
		snprintf(p->err, sizeof p->err, "a separator goes with csv input, not %s",
			rating_format_name(p->format));
		return -1;
	}
	p->sep = sep;
	p->format = RF_CSV;
	p->format_given = 1;
	return 0;
}

void ratings_set_header(ratings_parser *p, int header) { p->header_opt = header != 0; }

int ratings_add_where(ratings_parser *p, const char *col, const char *const *values, int n)
{
	if (p->nwhere == RATINGS_MAX_WHERE || n > RATINGS_MAX_WHERE_VALUES) {
		snprintf(p->err, sizeof p->err, "more than %d column filters or %d values of one",
			RATINGS_MAX_WHERE, RATINGS_MAX_WHERE_VALUES);
		return -1;
	}
	p->where[p->nwhere++] = (where_rule){ { col, -1 }, values, n, 0 };
	return 0;
}

int ratings_where_held(const ratings_parser *p, int w, int v)
{
	return w < p->nwhere && v < p->where[w].nvals && (p->where[w].held >> v & 1);
}

void ratings_set_time_unit(ratings_parser *p, int unit)
{
	p->time_unit = unit;
	p->time_ms = unit == TIME_MS;
}

int ratings_settle_times(ratings_parser *p)
{
	const rating_array *a = p->out;
	if (p->time_unit != TIME_AUTO || !p->has_time || a->n == 0)
		return 0;
	/* 10^11 seconds, in the rows' unit */
	int64_t lim = p->time_ms ? (int64_t)100000000000000 : (int64_t)100000000000, first = 0;
	size_t big = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].time >= lim || a->v[i].time <= -lim)
			first = big++ ? first : a->v[i].time;
	if (big == a->n && !p->time_ms && !p->time_other) {
		p->time_ms = 1;
		return 1;
	}
	if (!big)
		return 0;
	/* milliseconds among seconds, ISO 8601 times or fractions: read as
	 * seconds they would be after the year 5138, and sorted after the rest */
	snprintf(p->err, sizeof p->err, "time %lld is milliseconds by its size (at least "
		"10^11: as seconds after the year 5138), but %s: --time-unit ms or s says "
		"which the integer times are", (long long)(p->time_ms ? first / 1000 : first),
		p->time_other ? "the input has ISO 8601 times or fractions of a second too" :
		"other times are seconds");
	return -1;
}

int ratings_time_ms(const ratings_parser *p) { return p->time_ms; }
int ratings_time_fraction(const ratings_parser *p) { return p->time_fraction; }
int64_t ratings_filtered(const ratings_parser *p) { return p->filtered; }
int64_t ratings_file_lines(const ratings_parser *p) { return p->file_lines; }
int64_t ratings_file_skipped(const ratings_parser *p) { return p->file_skipped; }
char ratings_sep(const ratings_parser *p) { return p->sep; }
int ratings_header(const ratings_parser *p) { return p->header; }

int ratings_ids_textual(const ratings_parser *p, int side) { return p->ids[side].textual; }

int64_t ratings_ids_mixed(const ratings_parser *p, int side, const char **first)
{
	const id_column *c = &p->ids[side];
	*first = c->first;
	return c->textual && c->texts > 0 ? c->integers : 0;
}

id_dict *ratings_take_ids(ratings_parser *p, int side)
{
	id_dict *d = p->ids[side].dict;
	p->ids[side].dict = NULL;
	return d;
}

void ratings_set_id_bits(ratings_parser *p, int bits) { p->id_bits = bits; }

void ratings_parser_free(ratings_parser *p)
{
	if (!p)
		return;
	id_dict_free(p->ids[0].dict);
	id_dict_free(p->ids[1].dict);
	if (p->csv_ready)
		csv_free(&p->csv);
	ratings_records_free(p);
	free(p->carry);
	free(p);
}

const char *ratings_error(const ratings_parser *p) { return p->err; }
int ratings_format(const ratings_parser *p) { return p->format; }
int ratings_has_rating(const ratings_parser *p) { return p->has_rating; }
int ratings_has_time(const ratings_parser *p) { return p->has_time; }
int64_t ratings_lines(const ratings_parser *p) { return p->lines; }
int64_t ratings_skipped(const ratings_parser *p) { return p->skipped; }

int ratings_begin(ratings_parser *p, const char *name)
{
	p->name = name;
	p->line = 0;
	p->ncarry = 0;
	p->row = (rating_row){ 0, 0, 0, 0 };
	p->row_bad = p->row_failed = p->row_out = p->row_numbers = 0;
	p->time_len = -1;
	p->row_line = p->quote_line = 0;
	p->first_data_line = p->file_lines = p->file_skipped = 0;
	p->file_rating = p->file_time = 1;
	if (p->csv_ready)
		csv_free(&p->csv);
	p->csv_ready = 0;
	if (csv_init(&p->csv, CSV_APPEND_NULL) != 0) {
		snprintf(p->err, sizeof p->err, "%s: out of memory for a CSV parser", name);
		return -1;
	}
	p->csv_ready = 1;
	csv_set_delim(&p->csv, (unsigned char)p->sep);
	/* the csv lines the fast path takes: no byte that libcsv reads as
	 * other than a field's (quotes, the blanks it trims, a CR, a NUL) */
	memset(p->csv_class, 0, sizeof p->csv_class);
	p->csv_class['"'] = p->csv_class[' '] = p->csv_class['\t'] = 2;
	p->csv_class['\r'] = p->csv_class['\0'] = 2;
	p->csv_class[(unsigned char)p->sep] = p->sep == ' ' || p->sep == '\t' ? 2 : 1;
	if (p->format != RF_AUTO) {
		if (ratings_records_begin(p) != 0)
			return -1;
	}
	return 0;
}

static int carry_append(ratings_parser *p, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (n > RATINGS_MAX_LINE - p->ncarry)
		return ratings_line_too_long(p, p->line + 1);
	if (p->ncarry + n > p->capcarry) {
		size_t c = p->capcarry ? p->capcarry : 4096;
		while (c < p->ncarry + n)
			c *= 2;
		char *b = realloc(p->carry, c);
		if (!b) {
			snprintf(p->err, sizeof p->err, "%s:%lld: out of memory for a line of %zu bytes",
				p->name, (long long)p->line + 1, c);
			return -1;
		}
		p->carry = b;
		p->capcarry = c;
	}
	memcpy(p->carry + p->ncarry, s, n);
	p->ncarry += n;
	return 0;
}

int ratings_feed(ratings_parser *p, const char *buf, size_t n)
{
	const char *e = buf + n;
	if (p->ncarry > 0) {
		const char *nl = memchr(buf, '\n', n);
		if (!nl)
			return carry_append(p, buf, n);
		if (carry_append(p, buf, (size_t)(nl - buf)) != 0)
			return -1;
		size_t len = p->ncarry;
		p->ncarry = 0;
		if (ratings_one_line(p, p->carry, len) != 0)
			return -1;
		buf = nl + 1;
	}
	for (;;) {
		if ((p->format == RF_DAT || p->format == RF_TSV) && !p->generic &&
		    !(p->time_ms && p->time_unit != TIME_MS) && !p->ids[0].textual &&
		    !p->ids[1].textual)
			buf = ratings_fast_lines(p, buf, e);
		const char *nl = memchr(buf, '\n', (size_t)(e - buf));
		if (!nl)
			return carry_append(p, buf, (size_t)(e - buf));
		if (ratings_one_line(p, buf, (size_t)(nl - buf)) != 0)
			return -1;
		buf = nl + 1;
	}
}

int ratings_end(ratings_parser *p)
{
	if (p->ncarry > 0) {
		size_t n = p->ncarry;
		p->ncarry = 0;
		if (ratings_one_line(p, p->carry, n) != 0)
			return -1;
	}
	if ((p->format == RF_CSV || p->generic) && !p->header_done) {
		/* an empty file: nothing to say about its columns */
		p->file_rating = p->file_time = p->has_rating;
	}
	if (p->format == RF_SEQ)
		p->file_rating = p->file_time = 0;
	if (p->format == RF_CSV && ratings_csv_end(p) < 0)
		return -1;
	p->has_rating &= p->file_rating;
	p->has_time &= p->file_time;
	return 0;
}

/*
 * A plain file's size and its first block's lines tell roughly how many
 * rows are coming: room for them all at once spares moving the array as
 * it grows.  Only a hint: a wrong guess costs a realloc or untouched
 * (so unpaid) address space.
 */
static int reserve_for_file(ratings_parser *p, FILE *f, const instream *s,
	const char *buf, size_t n)
{
	struct stat sb;
	if (!instream_is_plain(s) || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
		return 1;
	size_t lines = 0;
	for (const char *c = buf; (c = memchr(c, '\n', (size_t)(buf + n - c))); c++)
		lines++;
	if (lines < 16)
		return n > 4; /* the first read is the 4 peeked bytes */
	double rows = (double)sb.st_size / ((double)n / (double)lines) * 1.05 + 4096;
	if (rows < 1e12)
		rating_reserve(p->out, p->out->n + (size_t)rows);
	return 1;
}

int ratings_parse_file(ratings_parser *p, FILE *f, const char *name)
{
	char err[256];
	if (ratings_begin(p, name) != 0)
		return -1;
	instream *s = instream_open(f, err, sizeof err);
	if (!s) {
		snprintf(p->err, sizeof p->err, "%s: %s", name, err);
		return -1;
	}
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	if (!buf) {
		instream_close(s, NULL, 0);
		snprintf(p->err, sizeof p->err, "%s: out of memory for a read buffer of %zu bytes", name, cap);
		return -1;
	}
	int rc = 0;
	for (int reserved = 0;;) {
		ssize_t got = instream_read(s, buf, cap, err, sizeof err);
		if (got < 0) {
			snprintf(p->err, sizeof p->err, "%s: %s", name, err);
			rc = -1;
			break;
		}
		if (got == 0)
			break;
		if (!reserved)
			reserved = reserve_for_file(p, f, s, buf, (size_t)got);
		if (ratings_feed(p, buf, (size_t)got) != 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	if (rc != 0) {
		instream_close(s, NULL, 0);
		return -1;
	}
	if (instream_close(s, err, sizeof err) != 0) {
		snprintf(p->err, sizeof p->err, "%s: %s", name, err);
		return -1;
	}
	return ratings_end(p);
}
