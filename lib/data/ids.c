/* ids.c - the text records that name items for people: titles, genre names. */
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int titles_write(tts_writer *w, char *const *titles, int64_t n)
{
	uint64_t len = 0;
	for (int64_t i = 0; i < n; i++)
		len += (titles[i] ? strlen(titles[i]) : 0) + 1;
	if (tts_write_begin(w, "titles", TTS_TEXT, 1, &len) < 0)
		return -1;
	for (int64_t i = 0; i < n; i++) {
		const char *t = titles[i] ? titles[i] : "";
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

int titles_read(tts_reader *r, const tts_header *h, int64_t n, char **text,
	size_t *cap, char **lines, char *err, size_t errlen)
{
	if (tts_read_shaped_into(r, h, &(tts_shape){ TTS_TEXT, 1,
		{ TTS_UPTO('T', TTS_MAX_DIM) } }, (void **)text, cap, err, errlen) < 0)
		return -1;
	size_t len = h->nbytes;
	if (*cap < len + 2) { /* room for a last newline that is missing */
		char *more = realloc(*text, len + 2);
		if (!more) {
			snprintf(err, errlen, "record titles: out of memory");
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
		snprintf(err, errlen, "record titles: %lld lines for %lld items",
			(long long)count, (long long)n);
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
