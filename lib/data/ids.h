/*
 * ids.h - the text records that name items for people: titles (one line
 * per item, in prep, model and embeddings streams) and genre names.  The
 * records of a prep's numbering as a whole are prep.h's ids_write and
 * ids_read_record.
 */
#ifndef IDS_H
#define IDS_H

#include <stdint.h>
#include "tts.h"

/* The genre_names and genres (N,G) records, of a prep or a model with
 * item features. */
int genres_write(tts_writer *w, int64_t n_items, int32_t G, char *const *names,
	const uint8_t *genres);
/* A titles record of n lines, in pieces: titles[i] (NULL an empty line),
 * newlines inside a title made spaces. */
int titles_write(tts_writer *w, char *const *titles, int64_t n);
/* The titles record h, of n lines (the last one's newline optional),
 * into *text (grown as tts_read_into grows it, *cap its size), each line
 * NUL-terminated there and lines[i] (room for n) pointing at it. */
int titles_read(tts_reader *r, const tts_header *h, int64_t n, char **text,
	size_t *cap, char **lines, char *err, size_t errlen);
/* Each of the n ids of record name once (two users with one id would be
 * one person with two histories); -1 with err naming the record and the
 * id, or when out of memory. */
int ids_unique(const char *name, const int64_t *ids, int64_t n, char *err,
	size_t errlen);
/* Split text into n lines (missing lines are empty): a malloc'd array of
 * malloc'd strings, NULL when out of memory. */
char **split_lines(const char *text, int64_t n);

#endif
