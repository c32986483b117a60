/* side.c - movies, users and id maps attached to a prep. */
#include "side.h"
#include "id_lookup.h"
#include "ids.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "instream.h"


int utf8_valid(const char *buf, size_t n)
{
	const unsigned char *s = (const unsigned char *)buf;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 :
			(c >> 3) == 30 ? 3 : 9;
		if (k == 9 || (k == 1 && c < 0xc2) || i + k >= n + (k == 0))
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

char *latin1_to_utf8(const char *buf, size_t n, size_t *outlen)
{
	char *out = malloc(2 * n + 1), *q = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c < 0x80) {
			*q++ = (char)c;
		} else {
			*q++ = (char)(0xc0 | (c >> 6));
			*q++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*q = '\0';
	*outlen = (size_t)(q - out);
	return out;
}

/* The file as UTF-8 text, without a byte order mark. */
static char *read_text(FILE *f, const char *name, size_t *len, char *err, size_t errlen)
{
	char e[256];
	char *buf = instream_slurp(f, len, e, sizeof e);
	if (!buf) {
		errorf(err, errlen, "%s: %s", name, e);
		return NULL;
	}
	if (!utf8_valid(buf, *len)) {
		char *u = latin1_to_utf8(buf, *len, len);
		free(buf);
		if (!u)
			errorf(err, errlen, "%s: out of memory", name);
		return u;
	}
	if (*len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(buf, buf + 3, *len - 2);
		*len -= 3;
	}
	return buf;
}

/* Cut s in place into the fields separated by sep (a string): the first
 * max in f; returns how many there are. */
static int cut_fields(char *s, const char *sep, char **f, int max)
{
	size_t k = strlen(sep);
	int n = 0;
	for (;;) {
		char *c = strstr(s, sep);
		if (n < max)
			f[n] = s;
		n++;
		if (!c)
			return n;
		*c = '\0';
		s = c + k;
	}
}

/* Next line of *pos, NUL-terminated in place, CR removed; NULL at end. */
static char *next_line(char **pos, char *end)
{
	if (*pos >= end)
		return NULL;
	char *s = *pos, *nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl)
		nl = end;
	*nl = '\0';
	*pos = nl + 1;
	if (nl > s && nl[-1] == '\r')
		nl[-1] = '\0';
	return s;
}

/* A non-negative decimal id of up to 2^63 - 1, the whole of s: a larger
 * one is refused, not clamped. */
static int parse_id(const char *s, int64_t *v)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (*end || errno == ERANGE)
		return -1;
	*v = x;
	return 0;
}

/* An id of a side file: an integer or a string (ids.h); -1 with err
 * "name:line: what ..." when it is neither. */
static int check_id(const char *s, const char *name, int64_t line, const char *what,
	char *err, size_t errlen)
{
	int64_t v;
	size_t n = strlen(s);
	const char *why = id_is_integer(s, n, &v) ? NULL : id_text_bad(s, n);
	char b[ID_SHOWN];
	if (!why)
		return 0;
	if (n == 0)
		return errorf(err, errlen, "%s:%lld: %s is empty", name, (long long)line, what);
	return errorf(err, errlen, "%s:%lld: %s '%s' %s", name, (long long)line, what,
		id_shown(s, n, b), why);
}

/* The ids of n id strings: ids, keys and textual as side.h says. */
static int side_ids(char *const *names, int64_t n, int64_t **ids, int64_t **keys,
	int *textual, char *err, size_t errlen)
{
	*ids = malloc((n ? n : 1) * sizeof **ids);
	*keys = malloc((n ? n : 1) * sizeof **keys);
	if (!*ids || !*keys)
		return errorf(err, errlen, "out of memory for %lld ids", (long long)n);
	*textual = 0;
	for (int64_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		(*keys)[i] = id_hash(names[i], len);
		if (!id_is_integer(names[i], len, &(*ids)[i]))
			*textual = 1;
	}
	if (*textual)
		memcpy(*ids, *keys, (n ? n : 1) * sizeof **ids);
	return 0;
}

/* The same for a count that an int32 column holds (an age, an occupation). */
static int parse_small(const char *s, int64_t *v)
{
	return parse_id(s, v) != 0 || *v > INT32_MAX ? -1 : 0;
}

/* ---- movies ---- */

int32_t title_year(const char *t, size_t *stem)
{
	size_t n = strlen(t);
	if (stem)
		*stem = n;
	while (n > 0 && t[n - 1] == ' ')
		n--;
	if (n < 6 || t[n - 1] != ')' || t[n - 6] != '(')
		return 0;
	int32_t y = 0;
	for (size_t i = n - 5; i < n - 1; i++) {
		if (t[i] < '0' || t[i] > '9')
			return 0;
		y = y * 10 + (t[i] - '0');
	}
	if (stem) {
		for (n -= 6; n > 0 && t[n - 1] == ' '; n--)
			;
		*stem = n;
	}
	return y;
}

/* The index of genre g, new ones numbered in order of appearance; -1 out
 * of memory, -2 when g would be genre GENRES_MAX + 1. */
static int genre_index(item_side *s, const char *g)
{
	for (int32_t i = 0; i < s->n_genres; i++)
		if (strcmp(s->genre_names[i], g) == 0)
			return i;
	if (s->n_genres == GENRES_MAX)
		return -2;
	char **names = realloc(s->genre_names, (s->n_genres + 1) * sizeof *names);
	if (!names)
		return -1;
	s->genre_names = names;
	if (!(names[s->n_genres] = strdup(g)))
		return -1;
	return s->n_genres++;
}

typedef struct {
	int64_t n, cap;
	char **names; /* the ids as given */
	char **titles;
	char **glist; /* genre strings, parsed once G is known */
	int32_t *year;
	int64_t *line; /* where each was read, for messages */
} movie_rows;

/* The array at p (a pointer's address) grown to n elements of size
 * bytes: 0, or -1 with it as it was. */
static int grow(void *p, size_t n, size_t size)
{
	void **q = p, *r = realloc(*q, n * size);
	if (!r)
		return -1;
	*q = r;
	return 0;
}

/* year 0: the title's "(1995)", if any. */
static int movie_add(movie_rows *m, int64_t line, const char *id, const char *title,
	const char *genres, int32_t year)
{
	if (m->n == m->cap) {
		size_t c = m->cap ? 2 * (size_t)m->cap : 1024;
		if (grow(&m->names, c, sizeof *m->names) || grow(&m->titles, c, sizeof *m->titles) ||
		    grow(&m->glist, c, sizeof *m->glist) || grow(&m->year, c, sizeof *m->year) ||
		    grow(&m->line, c, sizeof *m->line))
			return -1;
		m->cap = c;
	}
	m->line[m->n] = line;
	m->year[m->n] = year ? year : title_year(title, NULL);
	m->names[m->n] = strdup(id);
	m->titles[m->n] = strdup(title);
	m->glist[m->n] = strdup(genres);
	if (!m->names[m->n] || !m->titles[m->n] || !m->glist[m->n]) {
		free(m->names[m->n]);
		free(m->titles[m->n]);
		free(m->glist[m->n]);
		return -1;
	}
	for (char *c = m->titles[m->n]; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	m->n++;
	return 0;
}

/* Delimited text through libcsv, a line at a time, so that a record
 * (which a quoted field may spread over lines) is named by the line it
 * began on; row() gets each record's fields and that line, and its
 * first error stops the reading. */
typedef int row_fn(void *ctx, char **f, int nf, int64_t line, char *err, size_t errlen);
#define SIDE_FIELDS_MAX 4096

struct csv_state {
	row_fn *row;
	void *ctx;
	char **f;
	int nf, cap, fields_line;
	int64_t row_line, quote_line;
	char *err;        /* the first record's error, set once */
	size_t errlen;
	int failed;
};

static void csv_field(void *s, size_t n, void *data)
{
	struct csv_state *c = data;
	c->fields_line++;
	if (!c->failed && c->nf < SIDE_FIELDS_MAX) {
		if (c->nf == c->cap) {
			int cap = c->cap ? 2 * c->cap : 16;
			char **f = realloc(c->f, cap * sizeof *f);
			if (!f) {
				c->failed = errorf(c->err, c->errlen, "out of memory");
				return;
			}
			c->f = f;
			c->cap = cap;
		}
		c->f[c->nf] = strndup(s ? s : "", n);
		if (!c->f[c->nf])
			c->failed = errorf(c->err, c->errlen, "out of memory");
		else
			c->nf++;
	} else if (!c->failed) {
		c->nf++; /* counted, not kept: the row callback says */
	}
}

static void csv_row(int ch, void *data)
{
	struct csv_state *c = data;
	int kept = c->nf < c->cap ? c->nf : c->cap;
	(void)ch;
	if (!c->failed && c->row(c->ctx, c->f, c->nf, c->row_line, c->err, c->errlen) != 0)
		c->failed = 1;
	for (int i = 0; i < kept; i++)
		free(c->f[i]);
	c->nf = 0;
}

static int csv_rows(char *buf, size_t len, const char *name, char sep, row_fn *row,
	void *ctx, char *err, size_t errlen)
{
	struct csv_parser p;
	struct csv_state c = { .row = row, .ctx = ctx, .err = err, .errlen = errlen };
	if (csv_init(&p, 0) != 0)
		return errorf(err, errlen, "out of memory");
	csv_set_delim(&p, (unsigned char)sep);
	int64_t ln = 0;
	for (const char *s = buf, *e = buf + len; s < e && !c.failed;) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(e - s);
		int open = p.pstate != 0; /* libcsv inside a record */
		ln++;
		if (!open)
			c.row_line = ln;
		c.fields_line = 0;
		if (csv_parse(&p, s, n, csv_field, csv_row, &c) != n) {
			c.failed = errorf(err, errlen, "%s:%lld: %s", name, (long long)ln,
				csv_strerror(csv_error(&p)));
			break;
		}
		if (p.pstate != 0 && (!open || c.fields_line > 0))
			c.quote_line = ln;
		s += n;
	}
	if (!c.failed && p.pstate != 0 && p.quoted)
		c.failed = errorf(err, errlen, "%s:%lld: unterminated quoted field", name,
			(long long)(c.quote_line ? c.quote_line : ln));
	if (!c.failed)
		csv_fini(&p, csv_field, csv_row, &c);
	for (int i = 0; i < c.nf && i < c.cap; i++)
		free(c.f[i]);
	free(c.f);
	csv_free(&p);
	return c.failed ? -1 : 0;
}

/* movies.csv: movieId,title,genres after a header. */
struct movies_csv_rows {
	movie_rows *m;
	const char *name;
	int header_done;
};

static int movie_csv_row(void *ctx, char **f, int nf, int64_t line, char *err, size_t errlen)
{
	struct movies_csv_rows *c = ctx;
	if (!c->header_done) {
		c->header_done = 1;
		return 0;
	}
	if (nf != 3)
		return errorf(err, errlen, "%s:%lld: expected 3 fields movieId,title,genres, "
			"found %d", c->name, (long long)line, nf);
	if (check_id(f[0], c->name, line, "movie id", err, errlen) != 0)
		return -1;
	if (movie_add(c->m, line, f[0], f[1], f[2], 0) != 0)
		return errorf(err, errlen, "out of memory");
	return 0;
}

static int movies_csv(char *buf, size_t len, const char *name, movie_rows *m,
	char *err, size_t errlen)
{
	struct movies_csv_rows c = { .m = m, .name = name };
	return csv_rows(buf, len, name, ',', movie_csv_row, &c, err, errlen);
}

static int movies_dat(char *buf, size_t len, const char *name, movie_rows *m,
	char *err, size_t errlen)
{
	char *pos = buf, *line, *f[4];
	int64_t ln = 0;
	while ((line = next_line(&pos, buf + len))) {
		ln++;
		if (!*line)
			continue;
		if (cut_fields(line, "::", f, 4) != 3)
			return errorf(err, errlen, "%s:%lld: expected 3 fields "
				"separated by '::'", name, (long long)ln);
		if (check_id(f[0], name, ln, "movie id", err, errlen) != 0)
			return -1;
		if (movie_add(m, ln, f[0], f[1], f[2], 0) != 0)
			return errorf(err, errlen, "out of memory");
	}
	return 0;
}

/* ML-100K's u.item genre flags, in its order. */
static const char *const item100k_genres[19] = {
	"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
	"Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
	"Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
};

/* Whether the first line is ML-100K's: fields separated by '|', not '::'
 * (movies.dat has '|' between its genres). */
static int is_100k(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len), *e = nl ? nl : buf + len;
	return memchr(buf, '|', (size_t)(e - buf)) && !memmem(buf, (size_t)(e - buf), "::", 2);
}

/* The year of "01-Jan-1995", 0 if it is not a date. */
static int32_t date_year(const char *d)
{
	size_t n = strlen(d);
	if (n < 4)
		return 0;
	int32_t y = 0;
	for (size_t i = n - 4; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return 0;
		y = y * 10 + (d[i] - '0');
	}
	return y;
}

/* u.item: id|title|release date|video release date|URL|19 genre flags.
 * The flags become the genre list movies.dat has ("unknown" is no genre,
 * as "(no genres listed)" in movies.csv); the year is the title's, else
 * the release date's. */
static int items_100k(char *buf, size_t len, const char *name, movie_rows *m,
	char *err, size_t errlen)
{
	char *pos = buf, *line, *f[25];
	int64_t ln = 0;
	while ((line = next_line(&pos, buf + len))) {
		ln++;
		if (!*line)
			continue;
		if (cut_fields(line, "|", f, 25) != 24)
			return errorf(err, errlen, "%s:%lld: expected 24 fields separated by "
				"'|' (id|title|release date|video release date|URL|19 genre "
				"flags)", name, (long long)ln);
		if (check_id(f[0], name, ln, "movie id", err, errlen) != 0)
			return -1;
		char genres[256] = "";
		for (int g = 0; g < 19; g++) {
			const char *flag = f[5 + g];
			if ((flag[0] != '0' && flag[0] != '1') || flag[1])
				return errorf(err, errlen, "%s:%lld: genre flag %d '%.40s' "
					"is not 0 or 1", name, (long long)ln, g + 1, flag);
			if (flag[0] == '1' && g > 0)
				snprintf(genres + strlen(genres), sizeof genres - strlen(genres),
					"%s%s", *genres ? "|" : "", item100k_genres[g]);
		}
		int32_t year = title_year(f[1], NULL);
		if (movie_add(m, ln, f[0], f[1], genres, year ? year : date_year(f[2])) != 0)
			return errorf(err, errlen, "out of memory");
	}
	return 0;
}

/* Movie i's genres, "A|B|C" (any number): indexed, and flagged once
 * s->genres is there.  0, or genre_index()'s -1 or -2. */
static int movie_genres(item_side *s, int64_t i, const char *list)
{
	char *copy = strdup(list);
	if (!copy)
		return -1;
	int rc = 0;
	for (char *g = copy, *bar; g && rc == 0; g = bar ? bar + 1 : NULL) {
		if ((bar = strchr(g, '|')))
			*bar = '\0';
		if (!*g || strcmp(g, "(no genres listed)") == 0)
			continue;
		int k = genre_index(s, g);
		if (k < 0)
			rc = k;
		else if (s->genres)
			s->genres[i * s->n_genres + k] = 1;
	}
	free(copy);
	return rc;
}

/* A side file that gives one id twice would have its second line
 * silently lose to the first: refused, naming both lines. */
static int refuse_twice(const int64_t *keys, char *const *names, const int64_t *line,
	int64_t n, const char *name, const char *what, char *err, size_t errlen)
{
	int64_t *k = id_lookup_new(keys, n); /* (key, entry) by key, then entry */
	char a[ID_SHOWN], b[ID_SHOWN];
	if (!k)
		return errorf(err, errlen, "out of memory for the %lld ids of %s", (long long)n, name);
	for (int64_t i = 1; i < n; i++)
		if (k[2 * i] == k[2 * i - 2]) {
			const char *x = names[k[2 * i + 1]], *y = names[k[2 * i - 1]];
			id_shown(x, strlen(x), a);
			if (strcmp(x, y) == 0)
				errorf(err, errlen, "%s:%lld: %s %s again (first on line %lld)", name,
					(long long)line[k[2 * i + 1]], what, a,
					(long long)line[k[2 * i - 1]]);
			else
				errorf(err, errlen, "%s:%lld: %s '%s' has the same 63-bit id as "
					"'%s' on line %lld (string ids are hashes of their text): "
					"rename one", name, (long long)line[k[2 * i + 1]], what, a,
					id_shown(y, strlen(y), b), (long long)line[k[2 * i - 1]]);
			free(k);
			return -1;
		}
	free(k);
	return 0;
}

int item_side_read(FILE *f, const char *name, item_side *s, char *err, size_t errlen)
{
	size_t len;
	movie_rows m = { 0 };
	int rc = -1;
	memset(s, 0, sizeof *s);
	char *buf = read_text(f, name, &len, err, errlen);
	if (!buf)
		return -1;
	int (*parse)(char *, size_t, const char *, movie_rows *, char *, size_t) =
		strncmp(buf, "movieId,", 8) == 0 ? movies_csv :
		is_100k(buf, len) ? items_100k : movies_dat;
	if (parse(buf, len, name, &m, err, errlen) != 0 ||
	    side_ids(m.names, m.n, &s->ids, &s->keys, &s->textual, err, errlen) != 0 ||
	    refuse_twice(s->keys, m.names, m.line, m.n, name, "movie id", err, errlen) != 0)
		goto out;
	s->n = m.n;
	s->file = name;
	s->names = m.names, m.names = NULL;
	s->titles = m.titles, m.titles = NULL;
	s->year = m.year, m.year = NULL;
	/* twice: the genres' names and number, then each movie's flags */
	for (int pass = 0; pass < 2; pass++) {
		for (int64_t i = 0; i < m.n; i++) {
			int g = movie_genres(s, i, m.glist[i]);
			if (g == -2) {
				errorf(err, errlen, "%s:%lld: more than %d distinct genres",
					name, (long long)m.line[i], GENRES_MAX);
				goto out;
			}
			if (g < 0)
				goto oom;
		}
		if (pass == 0 &&
		    !(s->genres = calloc((m.n ? m.n : 1) * (s->n_genres ? s->n_genres : 1), 1)))
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	errorf(err, errlen, "out of memory");
out:
	for (int64_t i = 0; i < m.n; i++)
		free(m.glist[i]);
	if (m.titles)
		for (int64_t i = 0; i < m.n; i++)
			free(m.titles[i]);
	names_free(m.names, m.n);
	free(m.glist);
	free(m.titles);
	free(m.year);
	free(m.line);
	free(buf);
	if (rc != 0)
		item_side_free(s);
	return rc;
}

/* ---- users, id maps ---- */

/* ML-100K's u.occupation, whose order codes the occupation: 0..20. */
static const char *const occupations_100k[] = {
	"administrator", "artist", "doctor", "educator", "engineer",
	"entertainment", "executive", "healthcare", "homemaker", "lawyer",
	"librarian", "marketing", "none", "other", "programmer", "retired",
	"salesman", "scientist", "student", "technician", "writer",
};

static int64_t occupation_100k(const char *word)
{
	for (size_t i = 0; i < sizeof occupations_100k / sizeof *occupations_100k; i++)
		if (strcmp(word, occupations_100k[i]) == 0)
			return (int64_t)i;
	return -1;
}

int user_side_read(FILE *f, const char *name, user_side *s, char *err, size_t errlen)
{
	size_t len;
	memset(s, 0, sizeof *s);
	char *buf = read_text(f, name, &len, err, errlen);
	if (!buf)
		return -1;
	int64_t cap = 1, ln = 0;
	for (size_t i = 0; i < len; i++)
		cap += buf[i] == '\n';
	s->names = calloc(cap, sizeof *s->names);
	s->gender = malloc(cap);
	s->age = malloc(cap * sizeof *s->age);
	s->occupation = malloc(cap * sizeof *s->occupation);
	int64_t *lines = malloc(cap * sizeof *lines);
	if (!s->names || !s->gender || !s->age || !s->occupation || !lines) {
		errorf(err, errlen, "out of memory");
		goto bad;
	}
	int k100 = is_100k(buf, len);
	char *pos = buf, *line, *fl[6];
	while ((line = next_line(&pos, buf + len))) {
		ln++;
		if (!*line)
			continue;
		int64_t age, occ;
		if (k100) {
			/* u.user: id|age|gender|occupation|zip */
			if (cut_fields(line, "|", fl, 6) != 5) {
				errorf(err, errlen, "%s:%lld: expected 5 fields separated by '|' "
					"(id|age|gender|occupation|zip)", name, (long long)ln);
				goto bad;
			}
			if (check_id(fl[0], name, ln, "user id", err, errlen))
				goto bad;
			if (parse_small(fl[1], &age)) {
				errorf(err, errlen, "%s:%lld: expected id|age|gender|occupation|zip "
					"with numbers", name, (long long)ln);
				goto bad;
			}
			if ((occ = occupation_100k(fl[3])) < 0) {
				errorf(err, errlen, "%s:%lld: occupation '%.40s' is not one of "
					"ML-100K's u.occupation", name, (long long)ln, fl[3]);
				goto bad;
			}
			fl[1] = fl[2]; /* the gender, where users.dat has it */
		} else if (cut_fields(line, "::", fl, 6) != 5) {
			errorf(err, errlen, "%s:%lld: expected 5 fields separated by '::'",
				name, (long long)ln);
			goto bad;
		} else if (check_id(fl[0], name, ln, "user id", err, errlen)) {
			goto bad;
		} else if (parse_small(fl[2], &age) || parse_small(fl[3], &occ)) {
			errorf(err, errlen, "%s:%lld: expected UserID::Gender::Age::"
				"Occupation::Zip-code with numbers", name, (long long)ln);
			goto bad;
		}
		if (strcmp(fl[1], "F") != 0 && strcmp(fl[1], "M") != 0) {
			errorf(err, errlen, "%s:%lld: gender '%.40s': expected F or M", name,
				(long long)ln, fl[1]);
			goto bad;
		}
		lines[s->n] = ln;
		if (!(s->names[s->n] = strdup(fl[0]))) {
			errorf(err, errlen, "out of memory");
			goto bad;
		}
		s->gender[s->n] = fl[1][0] == 'F' ? 1 : 2;
		s->age[s->n] = (int32_t)age;
		s->occupation[s->n] = (int32_t)occ;
		s->n++;
	}
	s->file = name;
	if (side_ids(s->names, s->n, &s->ids, &s->keys, &s->textual, err, errlen) != 0 ||
	    refuse_twice(s->keys, s->names, lines, s->n, name, "user id", err, errlen) != 0)
		goto bad;
	free(lines);
	free(buf);
	return 0;
bad:
	free(lines);
	free(buf);
	user_side_free(s);
	return -1;
}

int id_map_read(FILE *f, const char *name, id_map *m, char *err, size_t errlen)
{
	size_t len;
	memset(m, 0, sizeof *m);
	char *buf = read_text(f, name, &len, err, errlen);
	if (!buf)
		return -1;
	int64_t cap = 1, ln = 0;
	for (size_t i = 0; i < len; i++)
		cap += buf[i] == '\n';
	if (!(m->pairs = malloc(2 * cap * sizeof *m->pairs))) {
		errorf(err, errlen, "out of memory");
		goto bad;
	}
	char *pos = buf, *line;
	while ((line = next_line(&pos, buf + len))) {
		ln++;
		int64_t a, b;
		char *w[3], *save;
		int k = 0;
		for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
			if (k++ < 3)
				w[k - 1] = t;
		if (k == 0)
			continue;
		if (k != 2 || parse_id(w[0], &a) != 0 || parse_id(w[1], &b) != 0) {
			errorf(err, errlen, "%s:%lld: expected 2 ids 'from to'", name, (long long)ln);
			goto bad;
		}
		m->pairs[2 * m->n] = a;
		m->pairs[2 * m->n + 1] = b;
		m->n++;
	}
	id_pairs_sort(m->pairs, m->n);
	for (int64_t i = 1; i < m->n; i++)
		if (m->pairs[2 * i] == m->pairs[2 * i - 2]) {
			errorf(err, errlen, "%s: id %lld mapped twice", name,
				(long long)m->pairs[2 * i]);
			goto bad;
		}
	free(buf);
	return 0;
bad:
	free(buf);
	id_map_free(m);
	return -1;
}

void item_side_free(item_side *s)
{
	if (s->titles)
		for (int64_t i = 0; i < s->n; i++)
			free(s->titles[i]);
	for (int32_t g = 0; g < s->n_genres; g++)
		free(s->genre_names[g]);
	free(s->titles);
	free(s->genre_names);
	names_free(s->names, s->n);
	free(s->ids);
	free(s->keys);
	free(s->year);
	free(s->genres);
	side_columns_free(&s->cols);
	memset(s, 0, sizeof *s);
}

void user_side_free(user_side *s)
{
	names_free(s->names, s->n);
	free(s->ids);
	free(s->keys);
	free(s->gender);
	free(s->age);
	free(s->occupation);
	side_columns_free(&s->cols);
	memset(s, 0, sizeof *s);
}

void id_map_free(id_map *m)
{
	free(m->pairs);
	memset(m, 0, sizeof *m);
}

/* ---- attaching ---- */

static int64_t mapped(const id_map *map, int64_t id)
{
	return map ? id_lookup(map->pairs, map->n, id) : id;
}

/* A side file's entries by the ids of p's side: by keys when those are
 * strings (by_keys), else by the file's ids that are integers (one that
 * is a string matches nothing).  NULL out of memory. */
static int64_t *match_table(const int64_t *ids, const int64_t *keys, char *const *names,
	int64_t n, int textual, int by_keys)
{
	int64_t *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return NULL;
	for (int64_t i = 0; i < n; i++)
		if (by_keys || !textual)
			v[i] = by_keys ? keys[i] : ids[i];
		else if (!id_is_integer(names[i], strlen(names[i]), &v[i]))
			v[i] = -1;
	int64_t *k = id_lookup_new(v, n);
	free(v);
	return k;
}

/* The entry of the file (names, n of them, by table k) for p's id of
 * index i (its string pnames[i] when p's ids are strings): -1 none; -2
 * a string of the file and one of p that share a hash, said in err. */
static int64_t match(const int64_t *k, int64_t n, char *const *names, const id_map *map,
	int64_t id, char *const *pnames, int64_t i, const char *file, const char *what,
	char *err, size_t errlen)
{
	char a[ID_SHOWN], b[ID_SHOWN];
	int64_t x = mapped(map, id);
	int64_t at = x < 0 ? -1 : id_lookup(k, n, x);
	if (at < 0 || !pnames || strcmp(pnames[i], names[at]) == 0)
		return at;
	errorf(err, errlen, "%s: %s id '%s' has the same 63-bit id as the input's '%s' "
		"(string ids are hashes of their text): rename one", file, what,
		id_shown(names[at], strlen(names[at]), a), id_shown(pnames[i], strlen(pnames[i]), b));
	return -2;
}

/* A map takes integer ids. */
static int map_refused(const id_map *map, char *const *pnames, const char *file,
	const char *what, char *err, size_t errlen)
{
	if (!map || !pnames)
		return 0;
	return errorf(err, errlen, "%s: the input's %s ids are strings, and a map of ids "
		"takes integers", file, what);
}

int side_attach_items(prep *p, const item_side *s, const id_map *map,
	int64_t *missing, char *err, size_t errlen)
{
	int64_t N = p->n_items, G = s->n_genres;
	if (map_refused(map, p->item_names, s->file, "item", err, errlen))
		return -1;
	int64_t *k = match_table(s->ids, s->keys, s->names, s->n, s->textual, !!p->item_names);
	int64_t *at = malloc((N ? N : 1) * sizeof *at);
	if (!k || !at)
		goto oom;
	if (s->titles && !(p->titles = calloc(N, sizeof *p->titles)))
		goto oom;
	if (s->year && !(p->year = calloc(N, sizeof *p->year)))
		goto oom;
	if (s->genres) {
		p->genres = calloc(N * (G ? G : 1), 1);
		p->genre_names = calloc(G ? G : 1, sizeof *p->genre_names);
		if (!p->genres || !p->genre_names)
			goto oom;
		p->n_genres = (int32_t)G;
		for (int32_t g = 0; g < G; g++)
			if (!(p->genre_names[g] = strdup(s->genre_names[g])))
				goto oom;
	}
	*missing = 0;
	for (int64_t i = 0; i < N; i++) {
		at[i] = match(k, s->n, s->names, map, p->item_ids[i], p->item_names, i,
			s->file, "movie", err, errlen);
		if (at[i] == -2) {
			free(k);
			free(at);
			return -1;
		}
		*missing += at[i] < 0;
		if (p->titles && !(p->titles[i] = strdup(at[i] < 0 ? "" : s->titles[at[i]])))
			goto oom;
		if (at[i] >= 0 && p->year)
			p->year[i] = s->year[at[i]];
		if (at[i] >= 0 && p->genres)
			memcpy(p->genres + i * G, s->genres + at[i] * G, G);
	}
	if (side_columns_select(&p->item_cols, &s->cols, at, N))
		goto oom;
	free(k);
	free(at);
	return 0;
oom:
	free(k);
	free(at);
	return errorf(err, errlen, "out of memory");
}

int side_attach_users(prep *p, const user_side *s, const id_map *map,
	int64_t *missing, char *err, size_t errlen)
{
	int64_t U = p->n_users;
	if (map_refused(map, p->user_names, s->file, "user", err, errlen))
		return -1;
	int64_t *k = match_table(s->ids, s->keys, s->names, s->n, s->textual, !!p->user_names);
	int64_t *at = malloc((U ? U : 1) * sizeof *at);
	if (!k || !at)
		goto oom;
	if (s->gender) {
		p->gender = calloc(U, 1);
		p->age = calloc(U, sizeof *p->age);
		p->occupation = calloc(U, sizeof *p->occupation);
		if (!p->gender || !p->age || !p->occupation)
			goto oom;
	}
	*missing = 0;
	for (int64_t u = 0; u < U; u++) {
		at[u] = match(k, s->n, s->names, map, p->user_ids[u], p->user_names, u,
			s->file, "user", err, errlen);
		if (at[u] == -2) {
			free(k);
			free(at);
			return -1;
		}
		if (at[u] < 0) {
			(*missing)++;
			continue;
		}
		if (s->gender) {
			p->gender[u] = s->gender[at[u]];
			p->age[u] = s->age[at[u]];
			p->occupation[u] = s->occupation[at[u]];
		}
	}
	if (side_columns_select(&p->user_cols, &s->cols, at, U))
		goto oom;
	free(k);
	free(at);
	return 0;
oom:
	free(k);
	free(at);
	return errorf(err, errlen, "out of memory");
}

/* ---- files of any shape ---- */

int side_feature_parse(const char *arg, side_feature *f, char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':'), *kind = colon ? colon + 1 : "cat";
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	const char *eq = strchr(kind, '=');
	size_t kn = eq ? (size_t)(eq - kind) : strlen(kind);
	memset(f, 0, sizeof *f);
	if (n == 0 || n >= sizeof f->name)
		return errorf(err, errlen, "'%s': expected COLUMN[:cat|multi[=SEP]|path[=SEP]|"
			"num[=K|=@C1,C2...]], a column name of 1 to 255 bytes", arg);
	memcpy(f->name, arg, n);
	/* the name is a field of a line of the columns' record: a tab or a
	 * line end in it would make another column of the prep stream */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)arg[i] < ' ' || arg[i] == 0x7f)
			return errorf(err, errlen, "'%s': a control character in the column name",
				arg);
	for (f->kind = 0; f->kind < SIDE_KINDS; f->kind++)
		if (strlen(side_kind_names[f->kind]) == kn &&
		    !strncmp(kind, side_kind_names[f->kind], kn))
			break;
	if (f->kind == SIDE_KINDS)
		return errorf(err, errlen, "'%s': the kind '%.*s' is not cat, multi, path or num",
			arg, (int)kn, kind);
	const char *v = eq ? eq + 1 : NULL;
	if (f->kind == SIDE_CAT && v)
		return errorf(err, errlen, "'%s': a categorical column takes no argument", arg);
	if (f->kind == SIDE_MULTI || f->kind == SIDE_PATH) {
		const char *s = v ? v : f->kind == SIDE_MULTI ? "|" : ">";
		if (!*s || strlen(s) >= sizeof f->sep || strpbrk(s, "\t\n\r"))
			return errorf(err, errlen, "'%s': the separator must be 1 to %zu bytes, "
				"no tab or line end", arg, sizeof f->sep - 1);
		strcpy(f->sep, s);
		return 0;
	}
	if (f->kind != SIDE_NUM)
		return 0;
	f->buckets = SIDE_NUM_BUCKETS;
	if (!v)
		return 0;
	char *end;
	if (*v != '@') {
		long k = strtol(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || k < 2 || k > SIDE_CUTS_MAX)
			return errorf(err, errlen, "'%s': expected num=K buckets, K from 2 to %d, "
				"or num=@C1,C2,... cut points", arg, SIDE_CUTS_MAX);
		f->buckets = (int)k;
		return 0;
	}
	f->buckets = 0;
	for (const char *s = v + 1;; s = end + 1) {
		double x = strtod(s, &end);
		if (end == s || (*end && *end != ',') || !isfinite(x) ||
		    (f->n_cuts && x <= f->cuts[f->n_cuts - 1]) || f->n_cuts == SIDE_CUTS_MAX - 1)
			return errorf(err, errlen, "'%s': the cut points must be up to %d increasing "
				"numbers separated by commas", arg, SIDE_CUTS_MAX - 1);
		f->cuts[f->n_cuts++] = x;
		if (!*end)
			return 0;
	}
}

/* A number written shortest so that it reads back the same. */
static void number_text(char *buf, size_t len, double x)
{
	for (int p = 6; p <= 17; p++) {
		snprintf(buf, len, "%.*g", p, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

int side_layout_of(const side_columns *c, side_layout *l, char *err, size_t errlen)
{
	l->n = c->C;
	for (int32_t k = 0; k < c->C; k++) {
		side_feature *f = &l->f[k];
		memset(f, 0, sizeof *f);
		snprintf(f->name, sizeof f->name, "%s", c->names[k]);
		snprintf(f->sep, sizeof f->sep, "%s", c->seps[k]);
		f->kind = c->kinds[k];
		if (f->kind != SIDE_NUM)
			continue;
		/* the buckets "(-inf,C1)", "[C1,C2)", ..., "[Ck,inf)": their lower ends */
		for (int32_t v = c->vocab_off[k] + 1; v < c->vocab_off[k + 1]; v++) {
			const char *s = c->vocab[v];
			char *end;
			double x = s[0] == '[' ? strtod(s + 1, &end) : NAN;
			if (!isfinite(x) || *end != ',' || f->n_cuts == SIDE_CUTS_MAX - 1)
				return errorf(err, errlen, "column %s: bucket '%s' is not '[LOW,HIGH)'",
					c->names[k], s);
			f->cuts[f->n_cuts++] = x;
		}
	}
	return 0;
}

/* A string set: a column's vocabulary, numbered in order of first
 * appearance. */
typedef struct {
	char **v;
	int32_t n, cap;
	int32_t *slot;        /* (mask+1) index + 1, 0 empty */
	uint32_t mask;
} str_set;

static uint32_t str_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The index of s[0..n) in the set, added if new; -1 out of memory. */
static int32_t str_index(str_set *t, const char *s, size_t n)
{
	if (2 * ((uint32_t)t->n + 1) > t->mask) {
		uint32_t m = t->mask ? 2 * t->mask + 1 : 63;
		int32_t *slot = calloc((size_t)m + 1, sizeof *slot);
		if (!slot)
			return -1;
		for (int32_t i = 0; i < t->n; i++) {
			uint32_t h = str_hash(t->v[i], strlen(t->v[i])) & m;
			while (slot[h])
				h = (h + 1) & m;
			slot[h] = i + 1;
		}
		free(t->slot);
		t->slot = slot;
		t->mask = m;
	}
	uint32_t h = str_hash(s, n) & t->mask;
	for (; t->slot[h]; h = (h + 1) & t->mask) {
		const char *o = t->v[t->slot[h] - 1];
		if (strlen(o) == n && !memcmp(o, s, n))
			return t->slot[h] - 1;
	}
	if (t->n == t->cap) {
		int32_t cap = t->cap ? 2 * t->cap : 64;
		char **v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	if (!(t->v[t->n] = strndup(s, n)))
		return -1;
	t->slot[h] = t->n + 1;
	return t->n++;
}

/* The rows read: ids, titles, and each feature's field as given. */
typedef struct {
	const side_layout *l;
	const char *name, *what; /* "item", "user" */
	int ncols, id_at, title_at, at[SIDE_COLUMNS_MAX];
	int64_t n, cap;
	char **ids, **titles;
	int64_t *line;
	char **raw;          /* (cap, l->n) */
	double *num;         /* (cap, l->n) a numeric column's value, NAN none */
} any_rows;

static int column_index(any_rows *a, char **f, int nf, const char *col, int64_t line,
	char *err, size_t errlen)
{
	for (int i = 0; i < nf; i++) {
		if (strcmp(f[i], col) != 0)
			continue;
		/* which of two columns of one name was meant, nothing says */
		for (int j = i + 1; j < nf; j++)
			if (strcmp(f[j], col) == 0)
				return errorf(err, errlen, "%s:%lld: column '%s' twice in the header "
					"(columns %d and %d)", a->name, (long long)line, col, i + 1, j + 1);
		return i;
	}
	size_t d = strspn(col, "0123456789");
	if (d && !col[d] && atoi(col) >= 1 && atoi(col) <= nf)
		return atoi(col) - 1;
	return errorf(err, errlen, "%s:%lld: no column '%s' in the header (%d columns: "
		"'%s'%s)", a->name, (long long)line, col, nf, f[0], nf > 1 ? ", ..." : "");
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int any_row(void *ctx, char **f, int nf, int64_t line, char *err, size_t errlen)
{
	any_rows *a = ctx;
	const side_layout *l = a->l;
	if (!a->ncols) {
		a->ncols = nf;
		if ((a->id_at = column_index(a, f, nf, l->id, line, err, errlen)) < 0)
			return -1;
		a->title_at = -1;
		if (l->title && (a->title_at = column_index(a, f, nf, l->title, line, err, errlen)) < 0)
			return -1;
		for (int k = 0; k < l->n; k++)
			if ((a->at[k] = column_index(a, f, nf, l->f[k].name, line, err, errlen)) < 0)
				return -1;
		return 0;
	}
	if (nf == 1 && !*f[0])
		return 0; /* a blank line */
	if (nf != a->ncols) {
		char s[8];
		snprintf(s, sizeof s, l->sep == '\t' ? "tabs" : "'%c'", l->sep ? l->sep : ',');
		return errorf(err, errlen, "%s:%lld: expected %d fields separated by %s, as the "
			"header has, found %d", a->name, (long long)line, a->ncols, s, nf);
	}
	if (check_id(f[a->id_at], a->name, line, a->what, err, errlen) != 0)
		return -1;
	if (a->n == a->cap) {
		size_t c = a->cap ? 2 * (size_t)a->cap : 1024, F = l->n ? (size_t)l->n : 1;
		if (grow(&a->ids, c, sizeof *a->ids) || grow(&a->titles, c, sizeof *a->titles) ||
		    grow(&a->line, c, sizeof *a->line) || grow(&a->raw, c * F, sizeof *a->raw) ||
		    grow(&a->num, c * F, sizeof *a->num))
			return errorf(err, errlen, "out of memory");
		a->cap = c;
	}
	int64_t i = a->n;
	a->line[i] = line;
	a->ids[i] = strdup(f[a->id_at]);
	a->titles[i] = a->title_at >= 0 ? strdup(f[a->title_at]) : NULL;
	for (int k = 0; k < l->n; k++)
		a->raw[i * l->n + k] = NULL;
	a->n++; /* freed with the rest from here */
	if (!a->ids[i] || (a->title_at >= 0 && !a->titles[i]))
		return errorf(err, errlen, "out of memory");
	for (char *c = a->titles[i]; c && *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	for (int k = 0; k < l->n; k++) {
		const char *s = f[a->at[k]];
		size_t n = strlen(s);
		trim(&s, &n);
		a->num[i * l->n + k] = NAN;
		if (l->f[k].kind == SIDE_NUM) {
			char *end, b[64];
			double x = n && n < sizeof b ? (memcpy(b, s, n), b[n] = 0, strtod(b, &end)) : 0;
			if (n && (n >= sizeof b || *end || !isfinite(x)))
				return errorf(err, errlen, "%s:%lld: column %s: expected a number, "
					"found '%.40s'", a->name, (long long)line, l->f[k].name, f[a->at[k]]);
			if (n)
				a->num[i * l->n + k] = x;
		} else if (!(a->raw[i * l->n + k] = strndup(s, n))) {
			return errorf(err, errlen, "out of memory");
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* A numeric column's cut points: the given ones, or the K-quantiles of
 * its values (each cut a value, the buckets not empty). */
static int num_cuts(const any_rows *a, int k, double *cuts, int *nc)
{
	const side_feature *f = &a->l->f[k];
	*nc = 0;
	if (!f->buckets) {
		memcpy(cuts, f->cuts, f->n_cuts * sizeof *cuts);
		*nc = f->n_cuts;
		return 0;
	}
	double *v = malloc((a->n ? a->n : 1) * sizeof *v);
	int64_t m = 0;
	if (!v)
		return -1;
	for (int64_t i = 0; i < a->n; i++)
		if (!isnan(a->num[i * a->l->n + k]))
			v[m++] = a->num[i * a->l->n + k];
	qsort(v, m, sizeof *v, cmp_double);
	for (int b = 1; b < f->buckets && m; b++) {
		double x = v[(int64_t)((double)b * (double)m / f->buckets)];
		if (x > v[0] && (*nc == 0 || x > cuts[*nc - 1]))
			cuts[(*nc)++] = x;
	}
	free(v);
	return 0;
}

/* Column k's values of row i into the set (local numbers, appended to
 * *out, *no of them); -1 out of memory, -2 more than max. */
static int row_values(const any_rows *a, int k, int64_t i, const double *cuts, int nc,
	str_set *set, int32_t *out, int *no, int max)
{
	const side_feature *f = &a->l->f[k];
	*no = 0;
	if (f->kind == SIDE_NUM) {
		double x = a->num[i * a->l->n + k];
		if (!isnan(x)) {
			int b = 0;
			while (b < nc && x >= cuts[b])
				b++;
			out[(*no)++] = b;
		}
		return 0;
	}
	const char *s = a->raw[i * a->l->n + k];
	if (f->kind == SIDE_CAT) {
		int32_t v = *s ? str_index(set, s, strlen(s)) : 0;
		if (v < 0)
			return -1;
		if (*s)
			out[(*no)++] = v;
		return 0;
	}
	size_t k_sep = strlen(f->sep);
	for (const char *p = s; *p;) {
		const char *e = strstr(p, f->sep), *end = e ? e : p + strlen(p);
		const char *b = f->kind == SIDE_PATH ? s : p;
		size_t n = (size_t)(end - b);
		trim(&b, &n);
		const char *part = p;
		size_t pn = (size_t)(end - p);
		trim(&part, &pn);
		if (pn) { /* an empty part adds nothing, an empty path step neither */
			if (*no == max)
				return -2;
			int32_t v = str_index(set, b, n);
			if (v < 0)
				return -1;
			out[(*no)++] = v;
		}
		if (!e)
			break;
		p = e + k_sep;
	}
	return 0;
}

#define ROW_VALUES_MAX 1024

/* The feature columns of the rows read, as side_columns. */
static int any_columns(const any_rows *a, side_columns *c, char *err, size_t errlen)
{
	const side_layout *l = a->l;
	int F = l->n;
	int64_t n = a->n;
	int32_t *buf = malloc(ROW_VALUES_MAX * sizeof *buf);
	int64_t *cnt = calloc((size_t)(n + 1) * (F ? F : 1), sizeof *cnt); /* (n,F) values */
	int32_t **loc = calloc(F ? F : 1, sizeof *loc);  /* each column's values, row-major */
	double cuts[SIDE_CUTS_MAX];
	int rc = -1;
	memset(c, 0, sizeof *c);
	c->C = F;
	c->n = n;
	c->names = calloc(F, sizeof *c->names);
	c->seps = calloc(F, sizeof *c->seps);
	c->kinds = malloc(F);
	c->vocab_off = calloc(F + 1, sizeof *c->vocab_off);
	c->off = calloc(n + 1, sizeof *c->off);
	if (!buf || !cnt || !loc || !c->names || !c->seps || !c->kinds || !c->vocab_off || !c->off)
		goto oom;
	for (int k = 0; k < F; k++) {
		str_set set = { 0 };
		int nc = 0, no;
		int64_t total = 0, cap = n + 1;
		c->kinds[k] = (uint8_t)l->f[k].kind;
		if (!(c->names[k] = strdup(l->f[k].name)) || !(c->seps[k] = strdup(l->f[k].sep)) ||
		    (l->f[k].kind == SIDE_NUM && num_cuts(a, k, cuts, &nc)) ||
		    !(loc[k] = malloc(cap * sizeof **loc)))
			goto oom_set;
		for (int64_t i = 0; i < n; i++) {
			int rv = row_values(a, k, i, cuts, nc, &set, buf, &no, ROW_VALUES_MAX);
			if (rv == -2) { /* the rest would be dropped, silently */
				names_free(set.v, set.n);
				free(set.slot);
				errorf(err, errlen, "%s:%lld: column %s: more than %d values", a->name,
					(long long)a->line[i], l->f[k].name, ROW_VALUES_MAX);
				goto out;
			}
			if (rv)
				goto oom_set;
			if (total + no > cap) {
				int32_t *g = realloc(loc[k], (cap = 2 * (total + no)) * sizeof *g);
				if (!g)
					goto oom_set;
				loc[k] = g;
			}
			memcpy(loc[k] + total, buf, no * sizeof *buf);
			total += no;
			cnt[i * F + k] = no;
		}
		if (l->f[k].kind == SIDE_NUM) { /* the buckets, named by their ends */
			for (int b = 0; b <= nc; b++) {
				char lo[32] = "-inf", hi[32] = "inf", name[80];
				if (b > 0)
					number_text(lo, sizeof lo, cuts[b - 1]);
				if (b < nc)
					number_text(hi, sizeof hi, cuts[b]);
				snprintf(name, sizeof name, "%s%s,%s)", b ? "[" : "(", lo, hi);
				if (str_index(&set, name, strlen(name)) < 0)
					goto oom_set;
			}
		}
		if (!set.n) {
			free(set.slot);
			errorf(err, errlen, "%s: column %s has no value", a->name, l->f[k].name);
			goto out;
		}
		int32_t V0 = c->vocab_off[k];
		if ((int64_t)V0 + set.n > SIDE_VOCAB_MAX) {
			names_free(set.v, set.n);
			free(set.slot);
			errorf(err, errlen, "%s: more than %d distinct feature values", a->name,
				SIDE_VOCAB_MAX);
			goto out;
		}
		char **v = realloc(c->vocab, (V0 + set.n) * sizeof *v);
		if (!v)
			goto oom_set;
		c->vocab = v;
		memcpy(c->vocab + V0, set.v, set.n * sizeof *v);
		c->vocab_off[k + 1] = V0 + set.n;
		free(set.v);
		free(set.slot);
		continue;
oom_set:
		names_free(set.v, set.n);
		free(set.slot);
		goto oom;
	}
	/* each row's values: column by column, each ascending, once */
	int64_t Q = 0;
	for (int64_t i = 0; i < n * F; i++)
		Q += cnt[i];
	if (!(c->val = malloc((Q ? Q : 1) * sizeof *c->val)))
		goto oom;
	int64_t *pos = calloc(F ? F : 1, sizeof *pos), q = 0;
	if (!pos)
		goto oom;
	for (int64_t i = 0; i < n; i++) {
		for (int k = 0; k < F; k++) {
			int64_t q0 = q;
			for (int64_t j = 0; j < cnt[i * F + k]; j++)
				c->val[q++] = c->vocab_off[k] + loc[k][pos[k]++];
			qsort(c->val + q0, q - q0, sizeof *c->val, cmp_i32);
			int64_t w = q0;
			for (int64_t j = q0; j < q; j++)
				if (j == q0 || c->val[j] != c->val[w - 1])
					c->val[w++] = c->val[j];
			q = w;
		}
		c->off[i + 1] = q;
	}
	free(pos);
	rc = 0;
	goto out;
oom:
	errorf(err, errlen, "out of memory for the feature columns of %s", a->name);
out:
	for (int k = 0; k < F; k++)
		free(loc ? loc[k] : NULL);
	free(loc);
	free(cnt);
	free(buf);
	if (rc)
		side_columns_free(c);
	return rc;
}

static void any_rows_free(any_rows *a)
{
	for (int64_t i = 0; i < a->n; i++) {
		free(a->ids ? a->ids[i] : NULL);
		free(a->titles ? a->titles[i] : NULL);
		for (int k = 0; k < a->l->n; k++)
			free(a->raw[i * a->l->n + k]);
	}
	free(a->ids);
	free(a->titles);
	free(a->line);
	free(a->raw);
	free(a->num);
}

/* Read a file of any shape: its ids (names, ids, keys, textual), titles
 * (NULL without a title column) and columns. */
static int any_read(FILE *f, const char *name, const side_layout *l, const char *what,
	char ***names, int64_t **ids, int64_t **keys, int *textual, char ***titles,
	side_columns *cols, int64_t *n, char *err, size_t errlen)
{
	size_t len;
	any_rows a = { .l = l, .name = name, .what = what };
	char *buf = read_text(f, name, &len, err, errlen);
	int rc = -1;
	if (!buf)
		return -1;
	if (csv_rows(buf, len, name, l->sep ? l->sep : ',', any_row, &a, err, errlen) != 0)
		goto out;
	if (!a.ncols) {
		errorf(err, errlen, "%s: empty: expected a header naming its columns", name);
		goto out;
	}
	if (side_ids(a.ids, a.n, ids, keys, textual, err, errlen) != 0 ||
	    refuse_twice(*keys, a.ids, a.line, a.n, name, what, err, errlen) != 0 ||
	    any_columns(&a, cols, err, errlen) != 0)
		goto out;
	*names = a.ids, a.ids = NULL;
	if (l->title)
		*titles = a.titles, a.titles = NULL;
	*n = a.n;
	rc = 0;
out:
	any_rows_free(&a);
	free(buf);
	return rc;
}

int item_side_read_layout(FILE *f, const char *name, const side_layout *l, item_side *s,
	char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->file = name;
	if (any_read(f, name, l, "item id", &s->names, &s->ids, &s->keys, &s->textual,
		&s->titles, &s->cols, &s->n, err, errlen) != 0) {
		item_side_free(s);
		return -1;
	}
	return 0;
}

int user_side_read_layout(FILE *f, const char *name, const side_layout *l, user_side *s,
	char *err, size_t errlen)
{
	char **titles = NULL;
	memset(s, 0, sizeof *s);
	s->file = name;
	if (any_read(f, name, l, "user id", &s->names, &s->ids, &s->keys, &s->textual,
		&titles, &s->cols, &s->n, err, errlen) != 0) {
		user_side_free(s);
		return -1;
	}
	names_free(titles, titles ? s->n : 0);
	return 0;
}
