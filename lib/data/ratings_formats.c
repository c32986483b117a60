/* ratings_formats.c - each format's lines: dat, tsv, seq, csv through
 * libcsv, and the fast path for the common dat and tsv line. */
#include "ratings.h"
#include "ratings_impl.h"

#include <csv.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers, by hand: these are the hot path ---- */

/* A non-negative integer id of up to 63 bits. */
static int parse_id(const char *s, size_t n, int64_t *out)
{
	if (n == 0 || n > 19)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	if (v > INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
	int neg = n > 0 && s[0] == '-';
	int64_t v;
	if (parse_id(s + neg, n - neg, &v) != 0)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* "4", "3.5", "-1", ".5"; anything else through strtod.  -1 not a
 * number, -2 a number beyond a float's range (it would be an infinity). */
static int parse_rating(const char *s, size_t n, float *out)
{
	size_t i = 0;
	int neg = 0, digits = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	double v = 0, scale = 1;
	while (i < n && (unsigned)(s[i] - '0') <= 9) {
		v = v * 10 + (s[i++] - '0');
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && (unsigned)(s[i] - '0') <= 9) {
			scale /= 10;
			v += (s[i++] - '0') * scale;
			digits++;
		}
	}
	if (i == n && digits > 0 && digits < 16) {
		*out = (float)(neg ? -v : v);
		return 0;
	}
	char tmp[64];
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *end;
	double d = strtod(tmp, &end);
	if (*end != '\0' || !isfinite(d))
		return -1;
	if (!isfinite((float)d))
		return -2;
	*out = (float)d;
	return 0;
}

/* parse_rating's failure in words, for a message taking the field. */
static const char *rating_bad(int rc)
{
	return rc == -2 ? "rating '%s' is beyond the range of a 32-bit float" :
		"rating '%s' is not a number";
}

/* Up to 40 bytes of a field, for messages. */
static const char *shown(const char *s, size_t n, char *buf, size_t len)
{
	size_t k = n < 40 ? n : 40;
	if (k >= len)
		k = len - 1;
	memcpy(buf, s, k);
	buf[k] = '\0';
	for (size_t i = 0; i < k; i++)
		if ((unsigned char)buf[i] < ' ')
			buf[i] = '?';
	return buf;
}

int ratings_line_too_long(ratings_parser *p, int64_t line)
{
	snprintf(p->err, sizeof p->err, "%s:%lld: line longer than %zu bytes",
		p->name, (long long)line, RATINGS_MAX_LINE);
	return -1;
}

/* A bad line (or CSV record, from its first line): fail, or count it
 * with --skip-bad.  Returns -1 to stop. */
static int vbad_at(ratings_parser *p, int64_t line, const char *fmt, va_list ap)
{
	if (p->skip_bad) {
		p->skipped++;
		return 0;
	}
	char what[384];
	vsnprintf(what, sizeof what, fmt, ap);
	snprintf(p->err, sizeof p->err, "%s:%lld: %s", p->name, (long long)line, what);
	return -1;
}

static int bad_at(ratings_parser *p, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad_at(ratings_parser *p, int64_t line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vbad_at(p, line, fmt, ap);
	va_end(ap);
	return rc;
}

static int bad_line(ratings_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int bad_line(ratings_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vbad_at(p, p->line, fmt, ap);
	va_end(ap);
	return rc;
}

static int split_dat(const char *s, size_t n, field *f)
{
	int k = 0;
	const char *e = s + n, *start = s;
	for (;;) {
		const char *c = memchr(s, ':', (size_t)(e - s));
		while (c && c + 1 < e && c[1] != ':')
			c = memchr(c + 1, ':', (size_t)(e - c - 1));
		if (!c || c + 1 >= e) {
			if (k < MAX_FIELDS)
				f[k] = (field){ start, (size_t)(e - start) };
			return k + 1;
		}
		if (k < MAX_FIELDS)
			f[k] = (field){ start, (size_t)(c - start) };
		k++;
		s = start = c + 2;
	}
}

static int split_char(const char *s, size_t n, char sep, field *f)
{
	int k = 0;
	const char *e = s + n;
	for (;;) {
		const char *c = memchr(s, sep, (size_t)(e - s));
		const char *end = c ? c : e;
		if (k < MAX_FIELDS)
			f[k] = (field){ s, (size_t)(end - s) };
		k++;
		if (!c)
			return k;
		s = c + 1;
	}
}

/* The next blank-separated field from *s (before e); 0 at the end. */
static int next_blank_field(const char **s, const char *e, field *f)
{
	const char *c = *s;
	while (c < e && (*c == ' ' || *c == '\t'))
		c++;
	if (c == e)
		return 0;
	const char *b = c;
	while (c < e && *c != ' ' && *c != '\t')
		c++;
	*f = (field){ b, (size_t)(c - b) };
	*s = c;
	return 1;
}

/* Fields separated by runs of blanks; leading and trailing blanks ignored. */
static int split_blank(const char *s, size_t n, field *f)
{
	const char *e = s + n;
	field x;
	int k = 0;
	for (; next_blank_field(&s, e, &x); k++)
		if (k < MAX_FIELDS)
			f[k] = x;
	return k;
}

static int check_id(ratings_parser *p, const field *f, const char *what, int64_t *v)
{
	char b[48];
	if (parse_id(f->s, f->n, v) == 0)
		return 0;
	return bad_line(p, "%s '%s' is not a non-negative integer", what,
		shown(f->s, f->n, b, sizeof b)) < 0 ? -1 : 1;
}

/* Parse the fields of one line; 0 ok, 1 skipped, -1 error. */
static int take_fields(ratings_parser *p, const field *f, int with_values)
{
	rating_row r = { 0, 0, 0, 0 };
	char b[48];
	int rc;
	if ((rc = check_id(p, &f[0], "user id", &r.user)) != 0)
		return rc;
	if ((rc = check_id(p, &f[1], "item id", &r.item)) != 0)
		return rc;
	if (with_values) {
		if ((rc = parse_rating(f[2].s, f[2].n, &r.rating)) != 0)
			return bad_line(p, rating_bad(rc),
				shown(f[2].s, f[2].n, b, sizeof b)) < 0 ? -1 : 1;
		if (parse_i64(f[3].s, f[3].n, &r.time) != 0)
			return bad_line(p, "timestamp '%s' is not an integer",
				shown(f[3].s, f[3].n, b, sizeof b)) < 0 ? -1 : 1;
	}
	if (rating_push(p->out, &r) != 0) {
		ratings_push_failed(p);
		return -1;
	}
	return 0;
}

/* "user item [item...]": one row per item, in the order given, so that a
 * line of many items is the same as as many "user item" lines.  A bad
 * line adds no rows: --skip-bad skips it whole. */
static int seq_line(ratings_parser *p, const char *s, size_t n)
{
	const char *e = s + n;
	size_t first = p->out->n;
	field f[2];
	if (!next_blank_field(&s, e, &f[0]) || !next_blank_field(&s, e, &f[1]))
		return bad_line(p, "expected 'user item ...' separated by blanks");
	do {
		int rc = take_fields(p, f, 0);
		if (rc != 0) {
			p->out->n = first;
			return rc < 0 ? -1 : 0;
		}
	} while (next_blank_field(&s, e, &f[1]));
	return 0;
}

static int detect_format(ratings_parser *p, const char *s, size_t n)
{
	field f[MAX_FIELDS];
	if (n >= 2 && memmem(s, n, "::", 2))
		p->format = RF_DAT;
	else if (memchr(s, ',', n))
		p->format = RF_CSV;
	else if (memchr(s, '\t', n) && split_char(s, n, '\t', f) >= 3)
		p->format = RF_TSV;
	else if (split_blank(s, n, f) >= 2)
		p->format = RF_SEQ;
	else {
		snprintf(p->err, sizeof p->err, "%s:%lld: cannot tell the format "
			"from this line (dat, tsv, csv or seq); use --format",
			p->name, (long long)p->line);
		return -1;
	}
	return 0;
}

/* ---- csv through libcsv, one line at a time so that messages can name
 * the line where a record ends ---- */

static int csv_col_matches(const char *want, const char *dflt, const void *s, size_t n)
{
	const char *name = want ? want : dflt;
	return strlen(name) == n && memcmp(name, s, n) == 0;
}

/* Header field i, the column *col is named want (dflt when NULL)?  Named
 * twice, which one to take is anyone's guess: an error (csv_line). */
static void header_column(ratings_parser *p, int *col, const char *want,
	const char *dflt, const void *s, size_t n, int i)
{
	if (!csv_col_matches(want, dflt, s, n))
		return;
	if (*col >= 0 && !p->col_twice)
		p->col_twice = want ? want : dflt;
	*col = i;
}

static void csv_on_field(void *s, size_t n, void *data)
{
	ratings_parser *p = data;
	int i = p->fieldno++, rc;
	char b[48];
	p->fields_line++;
	if (!s)
		n = 0;
	if (!p->header_done) {
		header_column(p, &p->col_user, p->cols.user, "userId", s, n, i);
		header_column(p, &p->col_item, p->cols.item, "movieId", s, n, i);
		header_column(p, &p->col_rating, p->cols.rating, "rating", s, n, i);
		header_column(p, &p->col_time, p->cols.time, "timestamp", s, n, i);
		return;
	}
	if (p->row_bad)
		return;
	const char *what = NULL;
	if (i == p->col_user && parse_id(s, n, &p->row.user) != 0)
		what = "user id '%s' is not a non-negative integer";
	else if (i == p->col_item && parse_id(s, n, &p->row.item) != 0)
		what = "item id '%s' is not a non-negative integer";
	else if (i == p->col_rating && (rc = parse_rating(s, n, &p->row.rating)) != 0)
		what = rating_bad(rc);
	else if (i == p->col_time && parse_i64(s, n, &p->row.time) != 0)
		what = "timestamp '%s' is not an integer";
	if (what) {
		p->row_bad = 1;
		snprintf(p->row_err, sizeof p->row_err, what,
			shown(s ? s : "", n, b, sizeof b));
	}
}

/* A record ends (at a newline outside quotes): the header's, or a row
 * taken, skipped or refused at the line where the record began. */
static void csv_on_row(int c, void *data)
{
	ratings_parser *p = data;
	int nf = p->fieldno;
	p->fieldno = 0;
	if (!p->header_done) {
		p->header_done = 1;
		p->ncols = nf;
		return;
	}
	if (!p->row_bad && nf != p->ncols) {
		p->row_bad = 1;
		snprintf(p->row_err, sizeof p->row_err,
			"expected %d fields separated by ',', found %d", p->ncols, nf);
	}
	if (p->row_failed) {
		/* the parse stops at this line: nothing more is taken */
	} else if (p->row_bad) {
		p->row_failed = bad_at(p, p->row_line, "%s", p->row_err) < 0;
	} else if (rating_push(p->out, &p->row) != 0) {
		ratings_push_failed(p);
		p->row_failed = 1;
	}
	p->row = (rating_row){ 0, 0, 0, 0 };
	p->row_bad = 0;
}

static const char *csv_missing(ratings_parser *p)
{
	static char msg[300];
	const char *which = NULL, *name = NULL;
	if (p->col_user < 0)
		which = "user", name = p->cols.user ? p->cols.user : "userId";
	else if (p->col_item < 0)
		which = "item", name = p->cols.item ? p->cols.item : "movieId";
	else if (p->col_rating < 0 && p->cols.rating)
		which = "rating", name = p->cols.rating;
	else if (p->col_time < 0 && p->cols.time)
		which = "time", name = p->cols.time;
	if (!which)
		return NULL;
	snprintf(msg, sizeof msg, "no %s column '%s' in the header", which, name);
	return msg;
}

/* Whether libcsv is inside a record (a quoted field open past a newline). */
static int csv_in_record(const ratings_parser *p)
{
	return p->csv.pstate != 0; /* libcsv's ROW_NOT_BEGUN */
}

/*
 * One physical line.  A quoted field may hold newlines, so a record may
 * span lines: it is taken when it ends, and its messages name the line it
 * began on; an unterminated quote is named at the line it opened.
 */
static int csv_line(ratings_parser *p, const char *s, size_t n)
{
	int was_header = p->header_done, open = csv_in_record(p);
	if (!open)
		p->row_line = p->line;
	p->fields_line = 0;
	if (csv_parse(&p->csv, s, n, csv_on_field, csv_on_row, p) != n ||
	    csv_parse(&p->csv, "\n", 1, csv_on_field, csv_on_row, p) != 1) {
		snprintf(p->err, sizeof p->err, "%s:%lld: %s", p->name,
			(long long)p->line, csv_strerror(csv_error(&p->csv)));
		return -1;
	}
	if (p->row_failed)
		return -1;
	if (csv_in_record(p)) {
		/* the open quote is this line's when the record began here or
		 * a field (the previous quote's) ended on it */
		if (!open || p->fields_line > 0)
			p->quote_line = p->line;
		return 0;
	}
	if (!was_header && p->header_done) {
		char twice[300];
		const char *m = csv_missing(p);
		if (!m && p->col_twice) {
			snprintf(twice, sizeof twice, "column '%s' twice in the header",
				p->col_twice);
			m = twice;
		}
		if (m) {
			snprintf(p->err, sizeof p->err, "%s:%lld: %s", p->name,
				(long long)p->row_line, m);
			return -1;
		}
		p->file_rating = p->col_rating >= 0;
		p->file_time = p->col_time >= 0;
	}
	return 0;
}

int ratings_one_line(ratings_parser *p, const char *s, size_t n)
{
	field f[MAX_FIELDS];
	int k;
	p->line++;
	if (n > RATINGS_MAX_LINE)
		return ratings_line_too_long(p, p->line);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (p->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3, n -= 3;
	int in_record = p->format == RF_CSV && csv_in_record(p);
	if (p->format == RF_CSV && p->header_done == 0 && n == 0 && !in_record)
		return 0;
	if ((p->format != RF_CSV || !p->header_done) && !in_record) {
		size_t i = 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			return 0;
	}
	if (p->format == RF_AUTO && detect_format(p, s, n) != 0)
		return -1;
	switch (p->format) {
	case RF_DAT:
		p->lines++;
		k = split_dat(s, n, f);
		if (k != 4)
			return bad_line(p, "expected 4 fields separated by '::'");
		return take_fields(p, f, 1) < 0 ? -1 : 0;
	case RF_TSV:
		p->lines++;
		k = split_char(s, n, '\t', f);
		if (k != 4)
			return bad_line(p, "expected 4 fields separated by tabs");
		return take_fields(p, f, 1) < 0 ? -1 : 0;
	case RF_SEQ:
		p->lines++;
		return seq_line(p, s, n);
	default:
		if (p->header_done)
			p->lines++;
		return csv_line(p, s, n);
	}
}

int ratings_csv_end(ratings_parser *p)
{
	if (csv_in_record(p)) {
		snprintf(p->err, sizeof p->err, "%s:%lld: unterminated "
			"quoted field", p->name, (long long)p->quote_line);
		return -1;
	}
	csv_fini(&p->csv, NULL, NULL, NULL);
	return 0;
}

/* ---- the fast path for dat and tsv lines ---- */

/*
 * Most lines of a dat or tsv file are "id SEP id SEP rating SEP time\n"
 * with nothing odd about them.  These are parsed here in one pass over the
 * bytes, without splitting into fields first.  Anything unusual (blank
 * lines, CR, signs, long numbers, a line cut by the end of the buffer)
 * makes the fast path stop before that line, and ratings_one_line() deals with it,
 * so messages and results are the same as the general path's.
 */

/* 1 to 18 digits (so no overflow check); longer numbers take the general path. */
static inline const char *fast_digits(const char *s, const char *e, int64_t *out)
{
	const char *b = s;
	uint64_t v = 0;
	while (s < e && (unsigned)(*s - '0') <= 9)
		v = v * 10 + (unsigned)(*s++ - '0');
	if (s == b || s - b > 18)
		return NULL;
	*out = (int64_t)v;
	return s;
}

/* The separator at s: "::" (dat) or a tab (tsv). */
static inline const char *fast_sep(const char *s, const char *e, int dat)
{
	if (dat)
		return e - s >= 2 && s[0] == ':' && s[1] == ':' ? s + 2 : NULL;
	return s < e && *s == '\t' ? s + 1 : NULL;
}

/* One line at s; returns the start of the next line, or NULL. */
static inline const char *fast_line(const char *s, const char *e, int dat, rating_row *r)
{
	if (!(s = fast_digits(s, e, &r->user)) || !(s = fast_sep(s, e, dat)) ||
	    !(s = fast_digits(s, e, &r->item)) || !(s = fast_sep(s, e, dat)))
		return NULL;
	const char *b = s;
	while (s < e && *s != ':' && *s != '\t' && *s != '\n' && *s != '\r')
		s++;
	if (s - b == 1 && (unsigned)(*b - '0') <= 9)
		r->rating = (float)(*b - '0'); /* what parse_rating makes of it */
	else if (parse_rating(b, (size_t)(s - b), &r->rating) != 0)
		return NULL;
	if (!(s = fast_sep(s, e, dat)))
		return NULL;
	int neg = s < e && *s == '-';
	if (!(s = fast_digits(s + neg, e, &r->time)))
		return NULL;
	if (neg)
		r->time = -r->time;
	if (s < e && *s == '\r')
		s++;
	return s < e && *s == '\n' ? s + 1 : NULL;
}

/* As many whole lines from s as the fast path takes; returns where it
 * stopped. */
const char *ratings_fast_lines(ratings_parser *p, const char *s, const char *e)
{
	int dat = p->format == RF_DAT;
	rating_array *a = p->out;
	for (;;) {
		if (a->n == a->cap && rating_grow(a) != 0)
			return s; /* the general path reports it */
		rating_row *r = &a->v[a->n];
		const char *next = fast_line(s, e, dat, r);
		if (!next)
			return s;
		a->n++;
		p->line++;
		p->lines++;
		s = next;
	}
}

