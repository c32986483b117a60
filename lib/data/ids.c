/* ids.c - the text records that name users and items for people: string
 * ids and their dictionary, titles, genre names. */
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "side.h"

/* ---- string ids ---- */

int64_t id_hash(const char *s, size_t n)
{
	uint64_t h = fnv1a64(s, n, FNV1A64_START);
	h ^= h >> 30; /* splitmix64's finaliser */
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (int64_t)(h >> 1);
}

int id_is_integer(const char *s, size_t n, int64_t *v)
{
	if (n == 0 || n > 19 || (s[0] == '0' && n > 1))
		return 0;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return 0;
		x = x * 10 + d;
	}
	if (x > INT64_MAX)
		return 0;
	*v = (int64_t)x;
	return 1;
}

const char *id_text_bad(const char *s, size_t n)
{
	if (n == 0)
		return "is empty";
	if (n > ID_TEXT_MAX)
		return "is longer than 255 bytes";
	if (s[0] == '#') /* a list of ids (cli.h's id_line) could not hold it */
		return "begins with '#', which starts a comment in lists of ids";
	unsigned high = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return "holds a control character";
		high |= c;
	}
	return high >= 0x80 && !utf8_valid(s, n) ? "is not valid UTF-8" : NULL;
}

const char *id_shown(const char *s, size_t n, char *buf)
{
	int utf8 = utf8_valid(s, n);
	size_t k = n < 40 ? n : 40, at = 0;
	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
			at += (size_t)sprintf(buf + at, "\\x%02x", c);
		else
			buf[at++] = (char)c;
	}
	strcpy(buf + at, n > k ? "..." : "");
	return buf;
}

int id_parse(const char *s, int textual, const char *what, int64_t *id, char *err,
	size_t errlen)
{
	char b[ID_SHOWN];
	size_t n = strlen(s);
	if (textual) {
		const char *bad = id_text_bad(s, n);
		if (bad) {
			snprintf(err, errlen, "%s id '%s' %s", what, id_shown(s, n, b), bad);
			return -1;
		}
		*id = id_hash(s, n);
		return 0;
	}
	size_t z = 0;
	while (z + 1 < n && s[z] == '0')
		z++;
	if (!id_is_integer(s + z, n - z, id)) {
		snprintf(err, errlen, "%s id '%s' is not a non-negative integer (the "
			"data's %s ids are integers)", what, id_shown(s, n, b), what);
		return -1;
	}
	return 0;
}

const char *id_name(char *const *names, const int64_t *ids, int64_t i, char *buf)
{
	if (names)
		return names[i];
	snprintf(buf, ID_BUF, "%lld", (long long)ids[i]);
	return buf;
}

/*
 * The dictionary: entries in order of first appearance (the index), each
 * its id and its string in one arena (NUL-terminated); an open-addressing
 * table from id to entry; and, so that a string seen again costs no
 * hash of the id, a direct-mapped cache from a quick hash of its bytes
 * to its entry.
 */
#define DICT_CACHE 8192 /* slots, in pairs */

typedef struct {
	int64_t id;
	uint64_t at;    /* in the arena */
	uint32_t len;
} id_entry;

/* A cache slot: enough of its string to tell it (all of one up to 8
 * bytes: one memory access a row) and its entry. */
typedef struct {
	uint64_t head;  /* head8() of the string */
	uint32_t len;
	int32_t index;  /* -1 empty */
} id_cached;

struct id_dict {
	id_entry *e;
	int64_t n, cap;
	int32_t *table;            /* (mask + 1) entries, -1 empty */
	uint64_t mask;
	char *arena;
	uint64_t used, room;
	uint64_t id_mask;          /* the hash's bits */
	id_cached last;            /* the string found or added last: a */
				   /* user's rows come together */
	id_cached cache[DICT_CACHE] __attribute__((aligned(32)));
};

static inline uint64_t load64(const char *s)
{
	uint64_t v;
	memcpy(&v, s, 8);
	return v;
}

static inline uint32_t load32(const char *s)
{
	uint32_t v;
	memcpy(&v, s, 4);
	return v;
}

/* The first 8 bytes of s, or, of a shorter one, its bytes in 8 (so that
 * with its length it is the string). */
static inline uint64_t head8(const char *s, size_t n)
{
	if (n >= 8)
		return load64(s);
	if (n >= 4)
		return load32(s) | (uint64_t)load32(s + n - 4) << 32;
	return n ? (unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
		(uint64_t)(unsigned char)s[n - 1] << 16 : 0;
}

/* Not the id: a quick hash of s (head its head8) for the cache. */
static inline uint64_t quick_hash(const char *s, size_t n, uint64_t head)
{
	uint64_t x = head ^ n;
	for (size_t i = 8; i + 8 < n; i += 8)
		x = (x ^ load64(s + i)) * 0xff51afd7ed558ccdULL;
	if (n > 8)
		x = (x ^ load64(s + n - 8)) * 0xff51afd7ed558ccdULL;
	x = (x ^ (x >> 31)) * 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* Whether slot c holds s (n bytes, head its head8). */
static inline int cached_is(const id_dict *d, const id_cached *c, const char *s, size_t n,
	uint64_t head)
{
	return c->index >= 0 && c->len == n && c->head == head &&
		(n <= 8 || memcmp(d->arena + d->e[c->index].at + 8, s + 8, n - 8) == 0);
}

id_dict *id_dict_new(int bits)
{
	id_dict *d = calloc(1, sizeof *d);
	if (!d || !(d->table = malloc(1024 * sizeof *d->table))) {
		free(d);
		return NULL;
	}
	memset(d->table, 0xff, 1024 * sizeof *d->table);
	for (int i = 0; i < DICT_CACHE; i++)
		d->cache[i].index = -1;
	d->last.index = -1;
	d->mask = 1023;
	d->id_mask = bits >= 63 || bits < 1 ? (uint64_t)INT64_MAX : ((uint64_t)1 << bits) - 1;
	return d;
}

void id_dict_free(id_dict *d)
{
	if (!d)
		return;
	free(d->e);
	free(d->table);
	free(d->arena);
	free(d);
}

/* Where id is in the table, or the empty place it would take. */
static uint64_t dict_slot(const id_dict *d, const int32_t *table, uint64_t mask, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL, i = (h ^ (h >> 29)) & mask;
	while (table[i] != -1 && d->e[table[i]].id != id)
		i = (i + 1) & mask;
	return i;
}

static int dict_grow(id_dict *d)
{
	uint64_t cap = 2 * (d->mask + 1);
	int32_t *t = malloc(cap * sizeof *t);
	if (!t)
		return -1;
	memset(t, 0xff, cap * sizeof *t);
	for (int64_t k = 0; k < d->n; k++)
		t[dict_slot(d, t, cap - 1, d->e[k].id)] = (int32_t)k;
	free(d->table);
	d->table = t;
	d->mask = cap - 1;
	return 0;
}

/* Room for one more entry of n bytes. */
static int dict_room(id_dict *d, size_t n)
{
	if (d->n == INT32_MAX)
		return -1;
	if (d->used + n + 1 > d->room) {
		uint64_t room = d->room ? 2 * d->room : 1 << 16;
		while (room < d->used + n + 1)
			room *= 2;
		char *a = realloc(d->arena, room);
		if (!a)
			return -1;
		d->arena = a;
		d->room = room;
	}
	if (d->n == d->cap) {
		int64_t cap = d->cap ? 2 * d->cap : 1024;
		id_entry *e = realloc(d->e, cap * sizeof *e);
		if (!e)
			return -1;
		d->e = e;
		d->cap = cap;
	}
	return 2 * (uint64_t)(d->n + 1) > d->mask + 1 ? dict_grow(d) : 0;
}

/* The cache is two-way: a string's pair of slots, the one found or
 * filled last first. */
static inline id_cached *cache_pair(id_dict *d, const char *s, size_t n, uint64_t head)
{
	return &d->cache[quick_hash(s, n, head) & (DICT_CACHE - 2)];
}

static inline void cache_fill(id_cached *c, id_cached x)
{
	c[1] = c[0];
	c[0] = x;
}

int64_t id_dict_find(id_dict *d, const char *s, size_t n)
{
	uint64_t head = head8(s, n);
	if (cached_is(d, &d->last, s, n, head))
		return d->last.index;
	id_cached *c = cache_pair(d, s, n, head);
	if (cached_is(d, &c[0], s, n, head)) {
		d->last = c[0];
	} else if (cached_is(d, &c[1], s, n, head)) {
		d->last = c[1];
		cache_fill(c, d->last);
	} else {
		int64_t h = (int64_t)((uint64_t)id_hash(s, n) & d->id_mask);
		int32_t k = d->table[dict_slot(d, d->table, d->mask, h)];
		if (k < 0 || d->e[k].len != n || memcmp(d->arena + d->e[k].at, s, n) != 0)
			return -1;
		d->last = (id_cached){ head, (uint32_t)n, k };
		cache_fill(c, d->last);
	}
	return d->last.index;
}

int id_dict_add(id_dict *d, const char *s, size_t n, int64_t *index, const char **other)
{
	if ((*index = id_dict_find(d, s, n)) >= 0)
		return 0;
	int64_t h = (int64_t)((uint64_t)id_hash(s, n) & d->id_mask);
	uint64_t i = dict_slot(d, d->table, d->mask, h);
	if (d->table[i] >= 0) {
		const id_entry *e = &d->e[d->table[i]];
		if (e->len != n || memcmp(d->arena + e->at, s, n) != 0) {
			*other = d->arena + e->at;
			return -1;
		}
	} else {
		if (dict_room(d, n) != 0)
			return -2;
		i = dict_slot(d, d->table, d->mask, h);
		d->e[d->n] = (id_entry){ h, d->used, (uint32_t)n };
		memcpy(d->arena + d->used, s, n);
		d->arena[d->used + n] = '\0';
		d->used += n + 1;
		d->table[i] = (int32_t)d->n++;
	}
	uint64_t head = head8(s, n);
	d->last = (id_cached){ head, (uint32_t)n, d->table[i] };
	cache_fill(cache_pair(d, s, n, head), d->last);
	*index = d->table[i];
	return 0;
}

int64_t id_dict_count(const id_dict *d) { return d->n; }
int64_t id_dict_id(const id_dict *d, int64_t index) { return d->e[index].id; }
const char *id_dict_name(const id_dict *d, int64_t index) { return d->arena + d->e[index].at; }

void names_free(char **names, int64_t n)
{
	if (!names)
		return;
	for (int64_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int id_dict_resolve(const id_dict *d, int64_t *ids, int64_t n, char ***names)
{
	char **out = calloc(n ? n : 1, sizeof *out);
	for (int64_t i = 0; out && i < n; i++) {
		if (!(out[i] = strdup(id_dict_name(d, ids[i])))) {
			names_free(out, i);
			return -1;
		}
		ids[i] = id_dict_id(d, ids[i]);
	}
	*names = out;
	return out ? 0 : -1;
}

char **split_lines(const char *text, int64_t n)
{
	char **out = calloc(n ? n : 1, sizeof *out);
	if (!out)
		return NULL;
	const char *line = text;
	for (int64_t i = 0; i < n; i++) {
		const char *nl = line ? strchr(line, '\n') : NULL;
		size_t len = line ? (nl ? (size_t)(nl - line) : strlen(line)) : 0;
		if (!(out[i] = strndup(line ? line : "", len))) {
			while (i--)
				free(out[i]);
			free(out);
			return NULL;
		}
		line = nl ? nl + 1 : NULL;
	}
	return out;
}

int genres_write(tts_writer *w, int64_t n_items, int32_t G, char *const *names,
	const uint8_t *genres)
{
	uint64_t NG[2] = { (uint64_t)n_items, (uint64_t)G };
	size_t len = 1;
	for (int32_t g = 0; g < G; g++)
		len += strlen(names[g]) + 1;
	char *text = malloc(len), *q = text;
	if (!text)
		return -1;
	*q = 0;
	for (int32_t g = 0; g < G; g++)
		q += sprintf(q, "%s\n", names[g]);
	int rc = tts_write_text(w, "genre_names", text) ||
		tts_write(w, "genres", TTS_U8, 2, NG, genres);
	free(text);
	return rc ? -1 : 0;
}

/* A text record of n lines, lines[i] (NULL an empty line), newlines
 * inside a line made spaces. */
static int lines_write(tts_writer *w, const char *name, char *const *lines, int64_t n)
{
	uint64_t len = 0;
	for (int64_t i = 0; i < n; i++)
		len += (lines[i] ? strlen(lines[i]) : 0) + 1;
	if (tts_write_begin(w, name, TTS_TEXT, 1, &len) < 0)
		return -1;
	for (int64_t i = 0; i < n; i++) {
		const char *t = lines[i] ? lines[i] : "";
		for (;;) {
			size_t run = strcspn(t, "\n\r");
			if (run && tts_write_data(w, t, run) < 0)
				return -1;
			if (!t[run])
				break;
			if (tts_write_data(w, " ", 1) < 0)
				return -1;
			t += run + 1;
		}
		if (tts_write_data(w, "\n", 1) < 0)
			return -1;
	}
	return 0;
}

int titles_write(tts_writer *w, char *const *titles, int64_t n)
{
	return lines_write(w, "titles", titles, n);
}

int names_write(tts_writer *w, const char *name, char *const *names, int64_t n)
{
	return lines_write(w, name, names, n);
}

/* The text record h of n lines (of what: "items", "users"), as
 * titles_read says. */
static int lines_read(tts_reader *r, const tts_header *h, int64_t n, const char *what,
	char **text, size_t *cap, char **lines, char *err, size_t errlen)
{
	if (tts_read_shaped_into(r, h, &(tts_shape){ TTS_TEXT, 1,
		{ TTS_UPTO('T', TTS_MAX_DIM) } }, (void **)text, cap, err, errlen) < 0)
		return -1;
	size_t len = h->nbytes;
	if (*cap < len + 2) { /* room for a last newline that is missing */
		char *more = realloc(*text, len + 2);
		if (!more) {
			snprintf(err, errlen, "record %s: out of memory", h->name);
			return -1;
		}
		*text = more;
		*cap = len + 2;
	}
	char *t = *text;
	if (len && t[len - 1] != '\n')
		t[len++] = '\n';
	t[len] = '\0';
	int64_t count = 0;
	for (char *line = t; line < t + len; count++) {
		char *nl = memchr(line, '\n', t + len - line);
		if (count < n)
			lines[count] = line;
		*nl = '\0';
		line = nl + 1;
	}
	if (count != n) {
		snprintf(err, errlen, "record %s: %lld lines for %lld %s", h->name,
			(long long)count, (long long)n, what);
		return -1;
	}
	return 0;
}

int titles_read(tts_reader *r, const tts_header *h, int64_t n, char **text,
	size_t *cap, char **lines, char *err, size_t errlen)
{
	return lines_read(r, h, n, "items", text, cap, lines, err, errlen);
}

int names_read(tts_reader *r, const tts_header *h, int64_t n, char ***out, char *err,
	size_t errlen)
{
	char *text = NULL, **lines = malloc((n + 1) * sizeof *lines), **names = NULL;
	size_t cap = 0;
	int rc = -1;
	const char *what = strncmp(h->name, "user", 4) == 0 ? "users" : "items";
	if (!lines)
		goto oom;
	if (lines_read(r, h, n, what, &text, &cap, lines, err, errlen) < 0)
		goto out;
	if (!(names = calloc(n + 1, sizeof *names)))
		goto oom;
	for (int64_t i = 0; i < n; i++) {
		char b[ID_SHOWN];
		size_t len = strlen(lines[i]);
		const char *bad = id_text_bad(lines[i], len);
		if (bad) {
			snprintf(err, errlen, "record %s: line %lld: '%s' %s", h->name,
				(long long)i + 1, id_shown(lines[i], len, b), bad);
			goto out;
		}
		if (!(names[i] = strdup(lines[i])))
			goto oom;
	}
	*out = names, names = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "record %s: out of memory", h->name);
out:
	names_free(names, n);
	free(lines);
	free(text);
	return rc;
}

int names_check(const char *name, char *const *names, const int64_t *ids, int64_t n,
	char *err, size_t errlen)
{
	char b[ID_SHOWN];
	for (int64_t i = 0; names && i < n; i++)
		if (id_hash(names[i], strlen(names[i])) != ids[i]) {
			snprintf(err, errlen, "record %s: line %lld: '%s' is not the name of "
				"id %lld (its hash is %lld)", name, (long long)i + 1,
				id_shown(names[i], strlen(names[i]), b), (long long)ids[i],
				(long long)id_hash(names[i], strlen(names[i])));
			return -1;
		}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int ids_unique(const char *name, const int64_t *ids, int64_t n, char *err,
	size_t errlen)
{
	int64_t *s = malloc((n ? n : 1) * sizeof *s);
	if (!s) {
		snprintf(err, errlen, "record %s: out of memory", name);
		return -1;
	}
	memcpy(s, ids, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_i64);
	for (int64_t i = 1; i < n; i++)
		if (s[i] == s[i - 1]) {
			snprintf(err, errlen, "record %s: id %lld appears twice", name,
				(long long)s[i]);
			free(s);
			return -1;
		}
	free(s);
	return 0;
}
