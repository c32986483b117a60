/*
 * ids.h - the records that name users and items for people: user_ids,
 * item_ids (original ids by index) and titles (one line per item).  Every
 * stream that leaves the numbering of a prep carries them: prep, batch
 * and model streams.
 */
#ifndef IDS_H
#define IDS_H

#include "prep.h"
#include "tts.h"

/* Write user_ids, item_ids and (when p has them) titles. */
int ids_write(tts_writer *w, const prep *p);
/* If h is one of those records, read it into p (sizes n_users / n_items
 * must be set) and return 1; 0 if it is another record; -1 with err. */
int ids_read_record(tts_reader *r, const tts_header *h, prep *p, char *err, size_t errlen);
/* After reading: each original id in user_ids and item_ids once (two
 * users with one id would be one person with two histories); -1 with err
 * naming the record and the id, or when out of memory. */
int ids_check_unique(const prep *p, char *err, size_t errlen);
/* The genre_names and genres (N,G) records, of a prep or a model with
 * item features. */
int genres_write(tts_writer *w, int64_t n_items, int32_t G, char *const *names,
	const uint8_t *genres);
/* Split text into n lines (missing lines are empty): a malloc'd array of
 * malloc'd strings, NULL when out of memory. */
char **split_lines(const char *text, int64_t n);

#endif
