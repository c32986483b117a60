/* ids.c - user_ids, item_ids and titles records. */
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ids_write(tts_writer *w, const prep *p)
{
	uint64_t U = p->n_users, N = p->n_items;
	if (tts_write(w, "user_ids", TTS_I64, 1, &U, p->user_ids) ||
	    tts_write(w, "item_ids", TTS_I64, 1, &N, p->item_ids))
		return -1;
	if (!p->titles)
		return 0;
	size_t len = 1;
	for (int64_t i = 0; i < p->n_items; i++)
		len += strlen(p->titles[i]) + 1;
	char *text = malloc(len), *q = text;
	if (!text)
		return -1;
	for (int64_t i = 0; i < p->n_items; i++) {
		size_t n = strlen(p->titles[i]);
		memcpy(q, p->titles[i], n);
		q[n] = '\n';
		q += n + 1;
	}
	*q = '\0';
	int rc = tts_write_text(w, "titles", text);
	free(text);
	return rc;
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

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int unique(const char *name, const int64_t *ids, int64_t n, char *err,
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

int ids_check_unique(const prep *p, char *err, size_t errlen)
{
	return unique("user_ids", p->user_ids, p->n_users, err, errlen) ||
		unique("item_ids", p->item_ids, p->n_items, err, errlen) ? -1 : 0;
}

static int read_i64s(tts_reader *r, const tts_header *h, int64_t **out, int64_t n,
	char *err, size_t errlen)
{
	if (h->dtype != TTS_I64 || h->rank != 1 || (int64_t)h->dims[0] != n) {
		snprintf(err, errlen, "record %s: expected i64 (%lld)", h->name, (long long)n);
		return -1;
	}
	if (*out) {
		snprintf(err, errlen, "record %s: appears twice", h->name);
		return -1;
	}
	if (!(*out = tts_read_alloc(r, h, 0))) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		return -1;
	}
	return 1;
}

int ids_read_record(tts_reader *r, const tts_header *h, prep *p, char *err, size_t errlen)
{
	if (strcmp(h->name, "user_ids") == 0)
		return read_i64s(r, h, &p->user_ids, p->n_users, err, errlen);
	if (strcmp(h->name, "item_ids") == 0)
		return read_i64s(r, h, &p->item_ids, p->n_items, err, errlen);
	if (strcmp(h->name, "titles") != 0)
		return 0;
	if (h->dtype != TTS_TEXT) {
		snprintf(err, errlen, "record titles: expected text");
		return -1;
	}
	if (p->titles) {
		snprintf(err, errlen, "record titles: appears twice");
		return -1;
	}
	char *text = tts_read_alloc(r, h, 0);
	if (!text) {
		snprintf(err, errlen, "%s", tts_reader_error(r));
		return -1;
	}
	/* One line per item, the last one's newline optional. */
	int64_t lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	lines += h->nbytes > 0 && text[h->nbytes - 1] != '\n';
	if (lines != p->n_items) {
		snprintf(err, errlen, "record titles: %lld lines for %lld items",
			(long long)lines, (long long)p->n_items);
		free(text);
		return -1;
	}
	p->titles = split_lines(text, p->n_items);
	free(text);
	if (!p->titles) {
		snprintf(err, errlen, "record titles: out of memory");
		return -1;
	}
	return 1;
}
