/* side.c - movies, users and id maps attached to a prep. */
#include "side.h"
#include "id_lookup.h"
#include "ids.h"

#include <csv.h>
#include <errno.h>
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

/* year 0: the title's "(1995)", if any. */
static int movie_add(movie_rows *m, int64_t line, const char *id, const char *title,
	const char *genres, int32_t year)
{
	if (m->n == m->cap) {
		int64_t c = m->cap ? 2 * m->cap : 1024;
		char **ids = realloc(m->names, c * sizeof *ids);
		if (ids)
			m->names = ids;
		char **t = realloc(m->titles, c * sizeof *t);
		if (t)
			m->titles = t;
		char **g = realloc(m->glist, c * sizeof *g);
		if (g)
			m->glist = g;
		int32_t *y = realloc(m->year, c * sizeof *y);
		if (y)
			m->year = y;
		int64_t *l = realloc(m->line, c * sizeof *l);
		if (l)
			m->line = l;
		if (!ids || !t || !g || !y || !l)
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

/* movies.csv through libcsv, a line at a time, so that a record (which a
 * quoted title may spread over lines) is named by the line it began on. */
struct csv_state {
	movie_rows *m;
	const char *name;
	char *f[3];
	int nf, header_done, fields_line;
	int64_t row_line, quote_line;
	char *err;        /* the first record's error, set once */
	size_t errlen;
	int failed;
};

static void movie_csv_field(void *s, size_t n, void *data)
{
	struct csv_state *c = data;
	c->fields_line++;
	if (c->nf < 3 && !c->failed) {
		c->f[c->nf] = strndup(s ? s : "", n);
		if (!c->f[c->nf])
			c->failed = errorf(c->err, c->errlen, "out of memory");
	}
	c->nf++;
}

static void movie_csv_row(int ch, void *data)
{
	struct csv_state *c = data;
	if (!c->header_done) {
		c->header_done = 1;
	} else if (c->failed) {
		/* the first error stands */
	} else if (c->nf != 3) {
		c->failed = errorf(c->err, c->errlen, "%s:%lld: expected 3 fields "
			"movieId,title,genres, found %d", c->name, (long long)c->row_line, c->nf);
	} else if (check_id(c->f[0], c->name, c->row_line, "movie id", c->err,
		   c->errlen) != 0) {
		c->failed = 1;
	} else if (movie_add(c->m, c->row_line, c->f[0], c->f[1], c->f[2], 0) != 0) {
		c->failed = errorf(c->err, c->errlen, "out of memory");
	}
	for (int i = 0; i < 3; i++)
		free(c->f[i]);
	memset(c->f, 0, sizeof c->f);
	c->nf = 0;
}

static int movies_csv(char *buf, size_t len, const char *name, movie_rows *m,
	char *err, size_t errlen)
{
	struct csv_parser p;
	struct csv_state c = { .m = m, .name = name, .err = err, .errlen = errlen };
	if (csv_init(&p, 0) != 0)
		return errorf(err, errlen, "out of memory");
	int64_t ln = 0;
	for (const char *s = buf, *e = buf + len; s < e && !c.failed;) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(e - s);
		int open = p.pstate != 0; /* libcsv inside a record */
		ln++;
		if (!open)
			c.row_line = ln;
		c.fields_line = 0;
		if (csv_parse(&p, s, n, movie_csv_field, movie_csv_row, &c) != n) {
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
		csv_fini(&p, movie_csv_field, movie_csv_row, &c);
	for (int i = 0; i < 3; i++)
		free(c.f[i]);
	csv_free(&p);
	return c.failed ? -1 : 0;
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
		lines[s->n] = ln;
		if (!(s->names[s->n] = strdup(fl[0]))) {
			errorf(err, errlen, "out of memory");
			goto bad;
		}
		s->gender[s->n] = fl[1][0] == 'F' ? 1 : fl[1][0] == 'M' ? 2 : 0;
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
	p->titles = calloc(N, sizeof *p->titles);
	p->year = calloc(N, sizeof *p->year);
	p->genres = calloc(N * (G ? G : 1), 1);
	p->genre_names = calloc(G ? G : 1, sizeof *p->genre_names);
	if (!k || !p->titles || !p->year || !p->genres || !p->genre_names)
		goto oom;
	p->n_genres = (int32_t)G;
	for (int32_t g = 0; g < G; g++)
		if (!(p->genre_names[g] = strdup(s->genre_names[g])))
			goto oom;
	*missing = 0;
	for (int64_t i = 0; i < N; i++) {
		int64_t at = match(k, s->n, s->names, map, p->item_ids[i], p->item_names, i,
			s->file, "movie", err, errlen);
		if (at == -2) {
			free(k);
			return -1;
		}
		if (at < 0) {
			(*missing)++;
			p->titles[i] = strdup("");
		} else {
			p->titles[i] = strdup(s->titles[at]);
			p->year[i] = s->year[at];
			memcpy(p->genres + i * G, s->genres + at * G, G);
		}
		if (!p->titles[i])
			goto oom;
	}
	free(k);
	return 0;
oom:
	free(k);
	return errorf(err, errlen, "out of memory");
}

int side_attach_users(prep *p, const user_side *s, const id_map *map,
	int64_t *missing, char *err, size_t errlen)
{
	int64_t U = p->n_users;
	if (map_refused(map, p->user_names, s->file, "user", err, errlen))
		return -1;
	int64_t *k = match_table(s->ids, s->keys, s->names, s->n, s->textual, !!p->user_names);
	p->gender = calloc(U, 1);
	p->age = calloc(U, sizeof *p->age);
	p->occupation = calloc(U, sizeof *p->occupation);
	if (!k || !p->gender || !p->age || !p->occupation) {
		free(k);
		return errorf(err, errlen, "out of memory");
	}
	*missing = 0;
	for (int64_t u = 0; u < U; u++) {
		int64_t at = match(k, s->n, s->names, map, p->user_ids[u], p->user_names, u,
			s->file, "user", err, errlen);
		if (at == -2) {
			free(k);
			return -1;
		}
		if (at < 0) {
			(*missing)++;
			continue;
		}
		p->gender[u] = s->gender[at];
		p->age[u] = s->age[at];
		p->occupation[u] = s->occupation[at];
	}
	free(k);
	return 0;
}
