/* ratings_formats.c - each format's lines: dat, tsv, seq, csv through
 * libcsv, and the fast path for the common dat and tsv line. */
#include "ratings.h"
#include "ratings_impl.h"

#include <csv.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ids.h"
#include "side.h"

/* ---- numbers, by hand: these are the hot path ---- */

/* A non-negative integer of up to 63 bits, leading zeros taken (times;
 * ids are ids.h's id_is_integer). */
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

/* ---- times ---- */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* k digits at *s (before e) as a number; -1 when they are not there. */
static int digits(const char **s, const char *e, int k)
{
	int v = 0;
	for (int i = 0; i < k; i++, (*s)++) {
		if (*s >= e || (unsigned)(**s - '0') > 9)
			return -1;
		v = v * 10 + (**s - '0');
	}
	return v;
}

/* The first three digits of a fraction at *s (after its '.'), more
 * dropped: milliseconds; -1 when there is no digit. */
static int fraction_ms(const char **s, const char *e)
{
	int ms = 0, k = 0;
	for (; *s < e && (unsigned)(**s - '0') <= 9; (*s)++, k++)
		if (k < 3)
			ms = ms * 10 + (**s - '0');
	if (k == 0)
		return -1;
	for (; k < 3; k++)
		ms *= 10;
	return ms;
}

/*
 * ISO 8601: YYYY-MM-DD, then optionally T (or a blank) and HH:MM, :SS,
 * .fraction, and a zone Z or +HH, +HHMM, +HH:MM (or -).  Without a zone
 * the time is UTC.  Seconds since the epoch and milliseconds; *frac when
 * a fraction was given.
 */
static int parse_iso(const char *s, size_t n, int64_t *sec, int *ms, int *frac)
{
	const char *e = s + n;
	int y = digits(&s, e, 4), mo, d, h = 0, mi = 0, se = 0;
	*ms = 0;
	*frac = 0;
	if (y < 0 || s >= e || *s++ != '-' || (mo = digits(&s, e, 2)) < 1 || mo > 12 ||
	    s >= e || *s++ != '-' || (d = digits(&s, e, 2)) < 1)
		return -1;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return -1;
	int64_t zone = 0;
	if (s < e) {
		if (*s != 'T' && *s != ' ')
			return -1;
		s++;
		if ((h = digits(&s, e, 2)) < 0 || h > 23 || s >= e || *s++ != ':' ||
		    (mi = digits(&s, e, 2)) < 0 || mi > 59)
			return -1;
		if (s < e && *s == ':' && (s++, (se = digits(&s, e, 2)) < 0 || se > 60))
			return -1;
		if (s < e && (*s == '.' || *s == ',')) {
			s++;
			if ((*ms = fraction_ms(&s, e)) < 0)
				return -1;
			*frac = 1;
		}
		if (s < e && (*s == 'Z' || *s == 'z')) {
			s++;
		} else if (s < e && (*s == '+' || *s == '-')) {
			int sign = *s++ == '-' ? -1 : 1, zh, zm = 0;
			if ((zh = digits(&s, e, 2)) < 0 || zh > 23)
				return -1;
			if (s < e && *s == ':')
				s++;
			if (s < e && ((zm = digits(&s, e, 2)) < 0 || zm > 59))
				return -1;
			zone = sign * (zh * 3600 + zm * 60);
		}
		if (s != e)
			return -1;
	}
	*sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - zone;
	return 0;
}

/* "964982703.5", "-1.25": the whole seconds and the milliseconds. */
static int parse_decimal(const char *s, size_t n, int64_t *whole, int *ms, int *neg)
{
	const char *dot = memchr(s, '.', n), *e = s + n;
	*neg = n > 0 && s[0] == '-';
	if (!dot || parse_i64(s, (size_t)(dot - s), whole) != 0 || (dot == s + *neg))
		return -1;
	const char *f = dot + 1;
	if ((*ms = fraction_ms(&f, e)) < 0 || f != e)
		return -1;
	return 0;
}

static int to_ms(int64_t sec, int ms, int neg, int64_t *out)
{
	if (sec > INT64_MAX / 1000 - 1 || sec < INT64_MIN / 1000 + 1)
		return -2;
	*out = sec * 1000 + (neg ? -ms : ms);
	return 0;
}

/* From here on the rows hold milliseconds: those read so far scaled. */
static int switch_to_ms(ratings_parser *p)
{
	rating_array *a = p->out;
	for (size_t i = 0; i < a->n; i++)
		if (to_ms(a->v[i].time, 0, 0, &a->v[i].time) != 0)
			return -2;
	p->time_ms = 1;
	return 0;
}

/* A time in the rows' unit: 0, -1 not a time, -2 out of range. */
static int parse_time(ratings_parser *p, const char *s, size_t n, int64_t *out)
{
	int64_t v;
	int ms, frac, neg = 0;
	if (parse_i64(s, n, &v) == 0) {
		if (p->time_ms && p->time_unit != TIME_MS)
			return to_ms(v, 0, 0, out);
		*out = v;
		return 0;
	}
	if (parse_decimal(s, n, &v, &ms, &neg) == 0) {
		frac = 1;
		if (p->time_unit == TIME_MS) {
			*out = v; /* a fraction of a millisecond dropped */
			return 0;
		}
	} else if (parse_iso(s, n, &v, &ms, &frac) == 0) {
		if (p->time_unit == TIME_MS) {
			p->time_other = 1;
			return to_ms(v, ms, 0, out);
		}
	} else {
		return -1;
	}
	p->time_other = 1;
	p->time_fraction |= frac;
	if (frac && !p->time_ms && switch_to_ms(p) != 0)
		return -2;
	if (p->time_ms)
		return to_ms(v, ms, neg, out);
	*out = v;
	return 0;
}

static const char *time_bad(int rc)
{
	return rc == -2 ? "timestamp '%s' is out of range in milliseconds" :
		"timestamp '%s' is not a time (seconds, milliseconds, a fraction, or "
		"ISO 8601 as 2000-07-30T18:45:03Z)";
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

/* ---- what a line was read as, for messages ---- */

static const char *sep_words(char c, char *buf, size_t len)
{
	if (c == '\t')
		return "tabs";
	snprintf(buf, len, (unsigned char)c < ' ' || c == 127 ? "byte %d" : "'%c'",
		(unsigned char)c);
	return buf;
}

/* "csv: fields separated by ';', with a header" and the like. */
static const char *read_as(const ratings_parser *p, char *buf, size_t len)
{
	char b[16];
	const char *sep = p->format == RF_DAT ? "'::'" : p->format == RF_TSV ? "tabs" :
		sep_words(p->sep, b, sizeof b);
	if (p->format == RF_SEQ)
		snprintf(buf, len, "seq: 'user item ...' separated by blanks");
	else
		snprintf(buf, len, "%s: fields separated by %s, %s", rating_format_name(p->format),
			sep, p->header ? "with a header" : "without a header");
	return buf;
}

/*
 * A line that does not fit, the first of its file: the message says what
 * it was read as and why, when that is in doubt: the format given, or
 * found in another file, or found in a line of words only (a header the
 * format does not expect).
 */
static void format_note(const ratings_parser *p, int64_t line, int words, char *buf, size_t len)
{
	char as[128];
	buf[0] = '\0';
	if (line != p->first_data_line)
		return;
	if (p->format_given)
		snprintf(buf, len, " (read as %s, as the options said)", read_as(p, as, sizeof as));
	else if (strcmp(p->format_file, p->name) != 0)
		snprintf(buf, len, " (read as %s, the format found at %s:%lld)",
			read_as(p, as, sizeof as), p->format_file, (long long)p->format_line);
	else if (words && !p->header)
		snprintf(buf, len, " (read as %s, found at line %lld; --header if this line "
			"names the columns)", read_as(p, as, sizeof as), (long long)p->format_line);
}

static const char *const bad_names[BAD_REASONS] = {
	"lines that do not fit the format", "bad user ids", "bad item ids", "bad ratings",
	"bad times",
};

/* A bad line (or record, from its first line): fail, or count it by its
 * reason with --skip-bad.  words: the line has no number in it.  Returns
 * -1 to stop. */
static int vbad_at(ratings_parser *p, int64_t line, int reason, int words,
	const char *fmt, va_list ap)
{
	char what[384], note[300];
	vsnprintf(what, sizeof what, fmt, ap);
	if (p->skip_bad) {
		p->skipped++;
		p->file_skipped++;
		if (p->bad_n[reason]++ == 0)
			snprintf(p->bad_first[reason], sizeof p->bad_first[reason], "%s:%lld: %s",
				p->name, (long long)line, what);
		return 0;
	}
	format_note(p, line, words, note, sizeof note);
	/* a message cut at the buffer's end is still the message */
	if (snprintf(p->err, sizeof p->err, "%s:%lld: %s%s", p->name, (long long)line, what,
	    note) < 0)
		p->err[0] = '\0';
	return -1;
}

static int bad_at(ratings_parser *p, int64_t line, int reason, int words, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int bad_at(ratings_parser *p, int64_t line, int reason, int words, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vbad_at(p, line, reason, words, fmt, ap);
	va_end(ap);
	return rc;
}

static int bad_line(ratings_parser *p, int reason, int words, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad_line(ratings_parser *p, int reason, int words, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vbad_at(p, p->line, reason, words, fmt, ap);
	va_end(ap);
	return rc;
}

const char *ratings_skip_reason(const ratings_parser *p, int reason, int64_t *n,
	const char **first)
{
	if (reason < 0 || reason >= BAD_REASONS)
		return NULL;
	*n = p->bad_n[reason];
	*first = p->bad_first[reason];
	return bad_names[reason];
}

/* ---- ids ---- */

/* A field that cannot be side k's id, in words. */
static void id_bad_text(char *buf, size_t len, int k, const char *s, size_t n, const char *why)
{
	char b[ID_SHOWN];
	if (n == 0)
		snprintf(buf, len, "%s id is empty", k ? "item" : "user");
	else
		snprintf(buf, len, "%s id '%s' %s", k ? "item" : "user", id_shown(s, n, b), why);
}

/* Side k's column turns textual: the integers read so far become the
 * hashes of their decimal text, which is what they were. */
static int ids_to_text(ratings_parser *p, int k)
{
	id_column *c = &p->ids[k];
	rating_array *a = p->out;
	const char *other;
	if (!(c->dict = id_dict_new(p->id_bits))) {
		snprintf(p->err, sizeof p->err, "%s: out of memory for the %s ids", p->name,
			k ? "item" : "user");
		return -1;
	}
	c->textual = 1;
	c->integers = (int64_t)a->n; /* the fast path's too */
	for (size_t i = 0; i < a->n; i++) {
		int64_t *v = k ? &a->v[i].item : &a->v[i].user;
		char t[ID_BUF];
		int len = snprintf(t, sizeof t, "%lld", (long long)*v), rc;
		if ((rc = id_dict_add(c->dict, t, (size_t)len, v, &other)) != 0) {
			snprintf(p->err, sizeof p->err, rc == -2 ? "%s: out of memory for the "
				"%s ids" : "%s: %s id '%s' has the same 63-bit id as '%s' (string "
				"ids are hashes of their text): rename one", p->name,
				k ? "item" : "user", t, other);
			return -1;
		}
	}
	return 0;
}

/* The id of side k (0 user, 1 item) of a row that is kept: the integer
 * v when the column is numeric and the field is one (is_int), else the
 * hash of s (n bytes, which id_text_bad takes), the column made
 * textual.  -1 with p's error at line. */
static int id_commit(ratings_parser *p, int k, const char *s, size_t n, int is_int,
	int64_t v, int64_t *out, int64_t line)
{
	id_column *c = &p->ids[k];
	const char *other, *what = k ? "item" : "user";
	char b1[ID_SHOWN], b2[ID_SHOWN];
	if (is_int) {
		c->integers++;
		if (!c->textual) {
			*out = v;
			return 0;
		}
	} else if (c->texts++ == 0) {
		snprintf(c->first, sizeof c->first, "%s:%lld: '%s'", p->name, (long long)line,
			id_shown(s, n, b1));
		if (!c->textual && ids_to_text(p, k) != 0)
			return -1;
	}
	int rc = id_dict_add(c->dict, s, n, out, &other);
	if (rc == -1)
		snprintf(p->err, sizeof p->err, "%s:%lld: %s id '%s' has the same 63-bit id as "
			"%s id '%s' (string ids are hashes of their text): rename one", p->name,
			(long long)line, what, id_shown(s, n, b1), what,
			id_shown(other, strlen(other), b2));
	else if (rc == -2)
		snprintf(p->err, sizeof p->err, "%s:%lld: out of memory for the %s ids",
			p->name, (long long)line, what);
	return rc ? -1 : 0;
}

/* ---- splitting ---- */

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

/* Whether none of the first k fields is a number: a line of words. */
static int all_words(const field *f, int k)
{
	float r;
	for (int i = 0; i < k && i < MAX_FIELDS; i++)
		if (parse_rating(f[i].s, f[i].n, &r) == 0)
			return 0;
	return 1;
}

/* ---- dat, tsv and seq lines of the plain shape ---- */

/* Whether field f can be side k's id (an integer, *is_int and *v, or a
 * string): 0, else what bad_line makes of it (1 skipped, -1 error). */
static int check_id(ratings_parser *p, const field *f, int words, int k, int *is_int,
	int64_t *v)
{
	const char *why;
	char m[256];
	if ((*is_int = id_is_integer(f->s, f->n, v)) || !(why = id_text_bad(f->s, f->n)))
		return 0;
	id_bad_text(m, sizeof m, k, f->s, f->n, why);
	return bad_line(p, k ? BAD_ITEM : BAD_USER, words, "%s", m) < 0 ? -1 : 1;
}

/* Parse the fields of one line; 0 ok, 1 skipped, -1 error. */
static int take_fields(ratings_parser *p, const field *f, int nf, int with_values)
{
	rating_row r = { 0, 0, 0, 0 };
	char b[48];
	int rc, words = p->line == p->first_data_line && all_words(f, nf), ui, ii;
	int64_t uv, iv;
	if ((rc = check_id(p, &f[0], words, 0, &ui, &uv)) != 0)
		return rc;
	if ((rc = check_id(p, &f[1], words, 1, &ii, &iv)) != 0)
		return rc;
	if (with_values) {
		if ((rc = parse_rating(f[2].s, f[2].n, &r.rating)) != 0)
			return bad_line(p, BAD_RATING, words, rating_bad(rc),
				shown(f[2].s, f[2].n, b, sizeof b)) < 0 ? -1 : 1;
		if ((rc = parse_time(p, f[3].s, f[3].n, &r.time)) != 0)
			return bad_line(p, BAD_TIME, words, time_bad(rc),
				shown(f[3].s, f[3].n, b, sizeof b)) < 0 ? -1 : 1;
	}
	if (id_commit(p, 0, f[0].s, f[0].n, ui, uv, &r.user, p->line) != 0 ||
	    id_commit(p, 1, f[1].s, f[1].n, ii, iv, &r.item, p->line) != 0)
		return -1;
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
	const char *q = s;
	field x;
	int is_int;
	int64_t v;
	if (!next_blank_field(&s, e, &f[0]) || !next_blank_field(&s, e, &f[1]))
		return bad_line(p, BAD_FIELDS, 0, "expected 'user item ...' separated by blanks");
	/* every id checked before one is taken: a bad line changes nothing */
	for (int k = 0; next_blank_field(&q, e, &x); k = 1) {
		int rc = check_id(p, &x, 0, k, &is_int, &v);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	do {
		int rc = take_fields(p, f, 2, 0);
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
			"from this line (dat, tsv, csv or seq); use --format, or --sep "
			"for another separator", p->name, (long long)p->line);
		return -1;
	}
	snprintf(p->format_file, sizeof p->format_file, "%s", p->name);
	p->format_line = p->line;
	return 0;
}

/* ---- the record path: columns by name or number, --where, a header;
 * csv through libcsv a line at a time (so that messages can name the
 * line where a record begins), dat and tsv split ---- */

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned)(*s - '0') > 9)
			return 0;
	return 1;
}

/* A column's number from its spec (numbers from 1), -1 for a name. */
static int spec_number(const char *spec)
{
	if (!spec || !is_number(spec) || strlen(spec) > 6)
		return -1;
	return atoi(spec) - 1;
}

static int any_column_named(const ratings_parser *p)
{
	const char *specs[] = { p->cols.user, p->cols.item, p->cols.rating, p->cols.time };
	for (int i = 0; i < 4; i++)
		if (specs[i])
			return 1;
	return p->nwhere > 0;
}

static void records_free_header(ratings_parser *p)
{
	for (int i = 0; i < p->nhdr; i++)
		free(p->hdr[i]);
	p->nhdr = 0;
}

void ratings_records_free(ratings_parser *p)
{
	records_free_header(p);
	free(p->hdr);
	p->hdr = NULL;
	p->caphdr = 0;
}

/* Without a header every column is a number: the defaults 1 to 4. */
int ratings_records_by_number(ratings_parser *p)
{
	column *c[] = { &p->user, &p->item, &p->rating, &p->time };
	for (int i = 0; i < 4 + p->nwhere; i++) {
		column *k = i < 4 ? c[i] : &p->where[i - 4].col;
		k->idx = k->spec ? spec_number(k->spec) : i;
		if (k->idx < 0) {
			snprintf(p->err, sizeof p->err, "%s: column '%s' is a name, and the "
				"input is read without a header (--header if it has one)",
				p->name, k->spec);
			return -1;
		}
	}
	return 0;
}

int ratings_records_begin(ratings_parser *p)
{
	if (p->format == RF_SEQ && (any_column_named(p) || p->header_opt == 1)) {
		snprintf(p->err, sizeof p->err, "%s: read as seq, which has no columns to "
			"choose, filter or name in a header", p->name);
		return -1;
	}
	p->header = p->format == RF_SEQ ? 0 : p->header_opt >= 0 ? p->header_opt :
		p->format == RF_CSV;
	p->generic = (p->format == RF_DAT || p->format == RF_TSV) &&
		(p->header || any_column_named(p));
	p->header_done = !p->header;
	p->ncols = -1;
	p->col_twice = NULL;
	p->fieldno = 0;
	records_free_header(p);
	p->user.spec = p->cols.user;
	p->item.spec = p->cols.item;
	p->rating.spec = p->cols.rating;
	p->time.spec = p->cols.time;
	if (!p->header && (p->generic || p->format == RF_CSV))
		return ratings_records_by_number(p);
	return 0;
}

/* A header by default that names none of the columns taken but holds a
 * number is the first row of data: taken as a header, it is lost. */
static const char *header_is_data(const ratings_parser *p, int named)
{
	static char msg[200];
	float r;
	if (p->header_opt >= 0 || named)
		return NULL;
	for (int j = 0; j < p->nhdr; j++)
		if (parse_rating(p->hdr[j], strlen(p->hdr[j]), &r) == 0) {
			snprintf(msg, sizeof msg, "the first line, read as the header, holds the "
				"number '%.40s' (--no-header if it is data, --header if it names the "
				"columns)", p->hdr[j]);
			return msg;
		}
	return NULL;
}

/* After the header: each column's place by its name or number. */
static const char *resolve_header(ratings_parser *p)
{
	static char msg[300];
	static const char *const what[] = { "user", "item", "rating", "time" };
	static const char *const dflt[] = { "userId", "movieId", "rating", "timestamp" };
	column *c[] = { &p->user, &p->item, &p->rating, &p->time };
	int named = 0;
	for (int i = 0; i < 4 + p->nwhere; i++) {
		column *k = i < 4 ? c[i] : &p->where[i - 4].col;
		const char *name = k->spec ? k->spec : dflt[i];
		int num = spec_number(k->spec);
		k->idx = -1;
		if (num >= 0) {
			if (num >= p->nhdr) {
				snprintf(msg, sizeof msg, "column %d: the header has %d", num + 1, p->nhdr);
				return msg;
			}
			k->idx = num;
			continue;
		}
		for (int j = 0; j < p->nhdr; j++)
			if (strcmp(p->hdr[j], name) == 0) {
				if (k->idx >= 0 && !p->col_twice)
					p->col_twice = name;
				k->idx = j;
				named = 1;
			}
		if (k->idx < 0 && (i < 2 || i >= 4 || k->spec)) {
			if (i < 4)
				snprintf(msg, sizeof msg, "no %s column '%s' in the header", what[i], name);
			else
				snprintf(msg, sizeof msg, "no column '%s' in the header (--where)", name);
			return msg;
		}
	}
	if (p->col_twice) {
		snprintf(msg, sizeof msg, "column '%s' twice in the header", p->col_twice);
		return msg;
	}
	return header_is_data(p, named);
}

static void header_name(ratings_parser *p, const char *s, size_t n)
{
	if (p->nhdr == p->caphdr) {
		int c = p->caphdr ? 2 * p->caphdr : 16;
		char **h = realloc(p->hdr, c * sizeof *h);
		if (!h)
			return;
		p->hdr = h;
		p->caphdr = c;
	}
	if ((p->hdr[p->nhdr] = strndup(s, n)))
		p->nhdr++;
}

/* Whether field i holds one of a --where rule's values. */
static void where_field(ratings_parser *p, int i, const char *s, size_t n)
{
	for (int w = 0; w < p->nwhere; w++) {
		if (p->where[w].col.idx != i)
			continue;
		int hit = 0;
		for (int v = 0; v < p->where[w].nvals && !hit; v++)
			if (strlen(p->where[w].vals[v]) == n && memcmp(p->where[w].vals[v], s, n) == 0) {
				hit = 1;
				p->where[w].held |= (uint64_t)1 << v;
			}
		p->row_out |= !hit;
	}
}

static void record_bad(ratings_parser *p, int reason, const char *what, const char *s, size_t n)
{
	char b[48];
	p->row_bad = 1;
	p->row_reason = reason;
	snprintf(p->row_err, sizeof p->row_err, what, shown(s, n, b, sizeof b));
}

/* Field s of side k's id: an integer in the row, and the text kept while
 * the column is textual or the field is not an integer, for the row's end. */
static void rec_id(ratings_parser *p, int k, const char *s, size_t n)
{
	int64_t v = 0;
	const char *why;
	if ((p->id_int[k] = id_is_integer(s, n, &v))) {
		*(k ? &p->row.item : &p->row.user) = v;
		if (!p->ids[k].textual)
			return;
	} else if ((why = id_text_bad(s, n))) {
		p->row_bad = 1;
		p->row_reason = k ? BAD_ITEM : BAD_USER;
		id_bad_text(p->row_err, sizeof p->row_err, k, s, n, why);
		return;
	}
	if (p->fields_stay) {
		p->id_at[k] = s;
	} else {
		memcpy(p->id_text[k], s, n);
		p->id_at[k] = p->id_text[k];
	}
	p->id_len[k] = n;
}

static void rec_field(ratings_parser *p, const char *s, size_t n)
{
	int i = p->fieldno++, rc;
	float r;
	p->fields_line++;
	if (!p->header_done) {
		if (p->nhdr == i)
			header_name(p, s, n);
		return;
	}
	if (p->nwhere)
		where_field(p, i, s, n);
	if (p->row_line == p->first_data_line && parse_rating(s, n, &r) == 0)
		p->row_numbers++;
	if (p->row_bad)
		return;
	/* one column may be several of them */
	if (i == p->user.idx)
		rec_id(p, 0, s, n);
	if (i == p->item.idx && !p->row_bad)
		rec_id(p, 1, s, n);
	if (p->row_bad)
		return;
	if (i == p->rating.idx && (rc = parse_rating(s, n, &p->row.rating)) != 0)
		record_bad(p, BAD_RATING, rating_bad(rc), s, n);
	else if (i == p->time.idx) {
		/* parsed when the row is kept: a row --where drops is not to put
		 * the times in milliseconds */
		p->time_len = n < sizeof p->time_text ? (int)n : (int)sizeof p->time_text;
		memcpy(p->time_text, s, (size_t)p->time_len);
	}
}

/* The kept row's time, or its error. */
static void rec_time(ratings_parser *p)
{
	int rc;
	if (p->time_len < 0 || p->row_bad)
		return;
	if (p->time_len == (int)sizeof p->time_text)
		record_bad(p, BAD_TIME, time_bad(-1), p->time_text, (size_t)p->time_len);
	else if ((rc = parse_time(p, p->time_text, (size_t)p->time_len, &p->row.time)) != 0)
		record_bad(p, BAD_TIME, time_bad(rc), p->time_text, (size_t)p->time_len);
}

static void rec_fail(ratings_parser *p, const char *m)
{
	snprintf(p->err, sizeof p->err, "%s:%lld: %s", p->name, (long long)p->row_line, m);
	p->row_failed = 1;
}

/* The first record without a header: how many fields a record has, and
 * rating and time only when the default columns 3 and 4 are there. */
static int first_record(ratings_parser *p, int nf)
{
	char m[160];
	p->ncols = nf;
	if (!p->rating.spec && p->rating.idx >= nf)
		p->rating.idx = -1;
	if (!p->time.spec && p->time.idx >= nf)
		p->time.idx = -1;
	column *c[] = { &p->user, &p->item, &p->rating, &p->time };
	for (int i = 0; i < 4 + p->nwhere; i++) {
		column *k = i < 4 ? c[i] : &p->where[i - 4].col;
		if (k->idx >= nf) {
			snprintf(m, sizeof m, "column %d: the line has %d fields", k->idx + 1, nf);
			rec_fail(p, m);
			return -1;
		}
	}
	p->file_rating = p->rating.idx >= 0;
	p->file_time = p->time.idx >= 0;
	return 0;
}

/* A record ends: the header's, or a row taken, filtered out, skipped or
 * refused at the line where the record began. */
static void rec_end(ratings_parser *p)
{
	int nf = p->fieldno;
	char b[16];
	p->fieldno = 0;
	if (p->row_failed)
		goto reset;
	if (!p->header_done) {
		p->header_done = 1;
		p->ncols = nf;
		const char *m = p->nhdr == nf ? resolve_header(p) : "out of memory for the header";
		if (m && strncmp(m, "no ", 3) == 0) {
			/* a missing column: perhaps the first line is no header */
			char as[128], full[420];
			snprintf(full, sizeof full, "%.250s (read as %s; --no-header if the "
				"first line is data)", m, read_as(p, as, sizeof as));
			rec_fail(p, full);
		} else if (m) {
			rec_fail(p, m);
		}
		p->file_rating = p->rating.idx >= 0;
		p->file_time = p->time.idx >= 0;
		goto reset;
	}
	p->file_lines++;
	if (p->ncols < 0 && first_record(p, nf) != 0)
		goto reset;
	if (nf != p->ncols) {
		p->row_bad = 1;
		p->row_reason = BAD_FIELDS;
		snprintf(p->row_err, sizeof p->row_err, "expected %d fields separated by %s, found %d",
			p->ncols, p->format == RF_DAT ? "'::'" : sep_words(p->format == RF_TSV ? '\t' :
			p->sep, b, sizeof b), nf);
	} else if (p->row_out) {
		p->filtered++;
		goto reset;
	}
	rec_time(p);
	if (!p->row_bad &&
	    (id_commit(p, 0, p->id_at[0], p->id_len[0], p->id_int[0], p->row.user,
		&p->row.user, p->row_line) != 0 ||
	     id_commit(p, 1, p->id_at[1], p->id_len[1], p->id_int[1], p->row.item,
		&p->row.item, p->row_line) != 0)) {
		p->row_failed = 1;
	} else if (p->row_bad) {
		p->row_failed = bad_at(p, p->row_line, p->row_reason, p->row_numbers == 0,
			"%s", p->row_err) < 0;
	} else if (rating_push(p->out, &p->row) != 0) {
		ratings_push_failed(p);
		p->row_failed = 1;
	}
reset:
	p->row = (rating_row){ 0, 0, 0, 0 };
	p->row_bad = p->row_out = p->row_numbers = 0;
	p->time_len = -1;
}

static void csv_on_field(void *s, size_t n, void *data)
{
	rec_field(data, s ? s : "", s ? n : 0);
}

static void csv_on_row(int c, void *data)
{
	rec_end(data);
}

/* Whether libcsv is inside a record (a quoted field open past a newline). */
static int csv_in_record(const ratings_parser *p)
{
	return p->csv_ready && p->csv.pstate != 0; /* libcsv's ROW_NOT_BEGUN */
}

/*
 * One physical line.  A quoted field may hold newlines, so a record may
 * span lines: it is taken when it ends, and its messages name the line it
 * began on; an unterminated quote is named at the line it opened.
 */
static int csv_line(ratings_parser *p, const char *s, size_t n)
{
	int open = csv_in_record(p);
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
	/* the open quote is this line's when the record began here or a
	 * field (the previous quote's) ended on it */
	if (csv_in_record(p) && (!open || p->fields_line > 0))
		p->quote_line = p->line;
	return 0;
}

/* Field i of a line s (n bytes) whose k separators are at seps. */
static inline field nth_field(const char *s, size_t n, const char *const *seps, int k, int i)
{
	const char *b = i ? seps[i - 1] + 1 : s, *e = i < k ? seps[i] : s + n;
	return (field){ b, (size_t)(e - b) };
}

/*
 * The commonest csv record, taken whole or not at all: as many fields as
 * the records have, no --where, ids that are integers of a numeric
 * column or strings its dictionary has, a rating and an
 * integer time (or none).  Anything else (a new string, a bad field, a
 * time of another kind, the first record) returns 0 having changed
 * nothing, and the line takes the record path, whose results these are.
 */
static int csv_plain_line(ratings_parser *p, const char *s, size_t n,
	const char *const *seps, int k)
{
	rating_row r = { 0, 0, 0, 0 };
	int is_int[2];
	if (k + 1 != p->ncols || p->nwhere || p->line == p->first_data_line)
		return 0;
	for (int side = 0; side < 2; side++) {
		field f = nth_field(s, n, seps, k, side ? p->item.idx : p->user.idx);
		int64_t v, *to = side ? &r.item : &r.user;
		is_int[side] = id_is_integer(f.s, f.n, &v);
		if (!p->ids[side].textual && !is_int[side])
			return 0;
		if (!p->ids[side].textual)
			*to = v;
		else if ((*to = id_dict_find(p->ids[side].dict, f.s, f.n)) < 0)
			return 0;
	}
	if (p->rating.idx >= 0) {
		field f = nth_field(s, n, seps, k, p->rating.idx);
		if (parse_rating(f.s, f.n, &r.rating) != 0)
			return 0;
	}
	if (p->time.idx >= 0) {
		field f = nth_field(s, n, seps, k, p->time.idx);
		if (parse_i64(f.s, f.n, &r.time) != 0 || (p->time_ms && p->time_unit != TIME_MS &&
		    to_ms(r.time, 0, 0, &r.time) != 0))
			return 0;
	}
	if (rating_push(p->out, &r) != 0)
		return 0; /* the record path says it */
	for (int side = 0; side < 2; side++)
		p->ids[side].integers += is_int[side];
	p->file_lines++;
	return 1;
}

/*
 * A csv line with nothing in it that libcsv would read as other than
 * fields between separators (no quote, no blank it trims, no CR or NUL):
 * split here, the same fields given to the same code, without libcsv's
 * byte-at-a-time state machine.  0 when the line is not such a one.
 */
static int csv_fast_line(ratings_parser *p, const char *s, size_t n)
{
	const char *seps[64];
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = p->csv_class[(unsigned char)s[i]];
		if (c == 2 || (c == 1 && k == 64))
			return 0;
		if (c == 1)
			seps[k++] = s + i;
	}
	if (csv_plain_line(p, s, n, seps, k))
		return 1;
	p->row_line = p->line;
	p->fields_line = 0;
	p->fields_stay = 1;
	const char *b = s;
	for (int i = 0; i < k; b = seps[i++] + 1)
		rec_field(p, b, (size_t)(seps[i] - b));
	rec_field(p, b, (size_t)(s + n - b));
	rec_end(p);
	p->fields_stay = 0;
	return 1;
}

/* A dat or tsv line through the record path: split, no quoting. */
static int split_line(ratings_parser *p, const char *s, size_t n)
{
	const char *e = s + n;
	p->row_line = p->line;
	p->fields_stay = 1;
	for (;;) {
		const char *c;
		if (p->format == RF_DAT) {
			c = memchr(s, ':', (size_t)(e - s));
			while (c && c + 1 < e && c[1] != ':')
				c = memchr(c + 1, ':', (size_t)(e - c - 1));
			if (c && c + 1 >= e)
				c = NULL;
		} else {
			c = memchr(s, '\t', (size_t)(e - s));
		}
		rec_field(p, s, (size_t)((c ? c : e) - s));
		if (!c)
			break;
		s = c + (p->format == RF_DAT ? 2 : 1);
	}
	rec_end(p);
	p->fields_stay = 0;
	return p->row_failed ? -1 : 0;
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
	if (!in_record) {
		size_t i = 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			return 0;
	}
	if (p->format == RF_AUTO) {
		if (detect_format(p, s, n) != 0)
			return -1;
		if (ratings_records_begin(p) != 0)
			return -1;
	}
	if (!p->first_data_line && p->header_done)
		p->first_data_line = p->line;
	switch (p->format) {
	case RF_DAT:
	case RF_TSV:
		if (p->header_done)
			p->lines++;
		if (p->generic)
			return split_line(p, s, n);
		p->file_lines++;
		if (p->format == RF_DAT)
			k = split_dat(s, n, f);
		else
			k = split_char(s, n, '\t', f);
		if (k != 4)
			return bad_line(p, BAD_FIELDS, p->line == p->first_data_line && all_words(f, k),
				p->format == RF_DAT ? "expected 4 fields separated by '::'" :
				"expected 4 fields separated by tabs");
		return take_fields(p, f, k, 1) < 0 ? -1 : 0;
	case RF_SEQ:
		p->lines++;
		p->file_lines++;
		return seq_line(p, s, n);
	default:
		if (p->header_done)
			p->lines++;
		if (p->header_done && !csv_in_record(p) && csv_fast_line(p, s, n))
			return p->row_failed ? -1 : 0;
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
	if (p->csv_ready)
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

/* An id: digits without a leading zero (a string id is another path's). */
static inline const char *fast_id(const char *s, const char *e, int64_t *out)
{
	if (e - s >= 2 && s[0] == '0' && (unsigned)(s[1] - '0') <= 9)
		return NULL;
	return fast_digits(s, e, out);
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
	if (!(s = fast_id(s, e, &r->user)) || !(s = fast_sep(s, e, dat)) ||
	    !(s = fast_id(s, e, &r->item)) || !(s = fast_sep(s, e, dat)))
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
		p->file_lines++;
		s = next;
	}
}

