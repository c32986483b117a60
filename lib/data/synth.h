/*
 * synth.h - synthetic MovieLens-like data with structure to learn:
 * power-law item popularity, users whose tastes cover a few latent genres,
 * and sessions in which the next item is usually a few steps further
 * along the previous item's genre (a Markov drift), so that a sequential
 * model beats popularity clearly.  Timestamps strictly increase per user.
 * Deterministic: its own PRNG (splitmix64), same seed, same bytes.
 */
#ifndef SYNTH_H
#define SYNTH_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
	int64_t users, items, ratings;
	uint64_t seed;
} synth_options;

typedef struct {
	int64_t n_users, n_items, n;  /* U, N, Z */
	int64_t *offsets;   /* (U+1) per user, in time order */
	int32_t *item;      /* (Z) item id - 1 */
	uint8_t *rating;    /* (Z) 1..5 */
	int64_t *time;      /* (Z) */
	uint32_t *genres;   /* (N) bit mask over synth_genre_names */
	int32_t *year;      /* (N) */
	uint64_t seed;
} synth_data;

extern const char *const synth_genre_names[18];

/* ratings >= 20 * users and users * items large enough, else -1. */
int synth_generate(const synth_options *o, synth_data *d, char *err, size_t errlen);
void synth_free(synth_data *d);
/* format: RF_DAT, RF_TSV, RF_CSV, RF_SEQ (ratings.h); per_user (RF_SEQ
 * only): one line per user, "user item1 item2 ...", as the Amazon
 * benchmark files.  -1 on write error. */
int synth_write_ratings(FILE *f, const synth_data *d, int format, int per_user);
/* The same interactions as a shop's event log: a CSV with a header
 * "event_time,event_type,sku,customer,price,rating,channel", ISO 8601
 * times, string ids (sku-I, c_0000U), purchases for the ratings of 4 and
 * 5 and views for the others, a price per item and a channel, one of
 * them a quoted field with a comma.  In user order, each user's in time
 * order.  -1 on write error. */
int synth_write_shop(FILE *f, const synth_data *d);
int synth_write_movies(FILE *f, const synth_data *d);
int synth_write_users(FILE *f, const synth_data *d);

#endif
