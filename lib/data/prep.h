/*
 * prep.h - an interaction data set: users' item sequences in time order,
 * the id maps back to the input, side data, and the split (leave-one-out
 * or temporal).
 * This is what ml-prep writes (kind=prep) and every later program reads.
 *
 * Shapes use the dimension letters of dims.h.
 */
#ifndef PREP_H
#define PREP_H

#include <stdint.h>
#include "tts.h"

/* The most genres a data set may have: what ml-prep writes, and every
 * reader of a genres record or a model's genres= takes. */
#define GENRES_MAX 4096

/*
 * Feature columns of a catalogue or users file of any shape (ml-prep
 * --item-feature, --user-feature): C columns, each a kind, their values
 * the rows of one vocabulary of V lines, column after column; each
 * item's (or user's) values, CSR: entity i has val[off[i]..off[i+1]),
 * vocabulary rows ascending (so column by column, none twice).  A
 * categorical column gives an entity at most one value, a multi-valued
 * or path column any number, a numeric column its bucket.  C == 0: none.
 * Records (prefix "item_" or "user_"): columns, vocab, vocab_offsets,
 * value_offsets, values (tt-stream(5)).
 */
enum side_kind { SIDE_CAT = 0, SIDE_MULTI = 1, SIDE_PATH = 2, SIDE_NUM = 3, SIDE_KINDS };
extern const char *const side_kind_names[SIDE_KINDS]; /* "cat", "multi", "path", "num" */
#define SIDE_COLUMNS_MAX 64
#define SIDE_VOCAB_MAX (1 << 24)
typedef struct {
	int32_t C;
	char **names;        /* (C) header names */
	uint8_t *kinds;      /* (C) enum side_kind */
	char **seps;         /* (C) multi, path: the separator between values; else "" */
	int32_t *vocab_off;  /* (C+1) column c's values: vocab rows vocab_off[c]..vocab_off[c+1]-1 */
	char **vocab;        /* (V) each value's text; a numeric bucket "[lo,hi)" */
	int64_t n;           /* entities: N items or U users; 0 for a vocabulary alone */
	int64_t *off;        /* (n+1) or NULL with n == 0 */
	int32_t *val;        /* (off[n]) vocab rows */
} side_columns;

static inline int32_t side_vocab_size(const side_columns *c)
{
	return c->C && c->vocab_off ? c->vocab_off[c->C] : 0;
}
/* The column of vocabulary row v. */
int32_t side_column_of(const side_columns *c, int32_t v);
/* The records of c under prefix ("item" or "user"); with values only when c->off. */
int side_columns_write(tts_writer *w, const char *prefix, const side_columns *c);
/* If h is one of prefix's records, read it into c (n entities expected
 * for the values) and return 1; 0 another record; -1 with err. */
int side_columns_read_record(tts_reader *r, const tts_header *h, const char *prefix,
	side_columns *c, int64_t n, char *err, size_t errlen);
/* After reading: all records or none (values optional when values is 0),
 * offsets monotone, values inside the vocabulary and ascending. */
int side_columns_check(const char *prefix, const side_columns *c, int values, char *err,
	size_t errlen);
/* A deep copy of the vocabulary alone (values 0) or with the values. */
int side_columns_copy(side_columns *to, const side_columns *from, int values);
void side_columns_free(side_columns *c);
/* to: from's vocabulary and the values of n entities, entity i from's
 * at[i] (-1: no values).  -1 out of memory. */
int side_columns_select(side_columns *to, const side_columns *from, const int64_t *at,
	int64_t n);
/* The rows of to's vocabulary for from's (vmap, V of from), by column and
 * value name: -1 for a value or column to lacks.  unknown gets the first
 * such ("brand 'zeta'", "column 'colour'"), or "".  -1 out of memory. */
int side_columns_map(const side_columns *to, const side_columns *from, int32_t *vmap,
	char *unknown, size_t unknown_len);

typedef struct {
	int64_t n_users;     /* U */
	int64_t n_items;     /* N */
	int64_t n_inter;     /* Z */
	int64_t *user_ids;   /* (U) original user id of each user index */
	int64_t *item_ids;   /* (N) original item id of each item index */
	/* String ids (ids.h): the strings whose hashes the ids are, NULL
	 * for a side whose ids are integers. */
	char **user_names;   /* (U) */
	char **item_names;   /* (N) */
	int64_t *offsets;    /* (U+1) CSR row pointers into items */
	int32_t *items;      /* (Z) item index of each interaction, per user in time order */
	float *ratings;      /* (Z) or NULL */
	int64_t *times;      /* (Z) or NULL */
	/*
	 * The split, as indices into items (-1: none).  Training is
	 * [offsets[u], valid[u]) when valid[u] >= 0, else the whole row.  The
	 * validation slice is [valid[u], test[u]) (to the row's end when
	 * test[u] is -1), the test slice [test[u], offsets[u + 1]); the
	 * history at a split is the row before its slice, so the test
	 * history holds the validation slice.  A split's targets are the
	 * distinct items of its slice, or its first item alone with
	 * targets_next (prep_targets).
	 *   loo (meta split=loo): valid[u] and test[u] are a user's last two
	 *   items, both or neither (users of fewer than 3).
	 *   time (meta split=time): valid[u] is the user's first interaction
	 *   at or after valid_cutoff, test[u] its first at or after cutoff,
	 *   each -1 when there is none; valid[u] > offsets[u] (a user with no
	 *   training history is not in the data set), and valid[u] == test[u]
	 *   when the user has nothing in the validation slice.
	 */
	int64_t *valid;      /* (U) */
	int64_t *test;       /* (U) */
	int temporal;        /* meta split=time */
	int targets_next;    /* meta targets=next: each slice's first item only */
	int64_t cutoff;      /* split=time: the cut-offs, in the times' unit */
	int64_t valid_cutoff;
	/* Cold items (ml-prep --cold-items): 1 for an item that appears only
	 * as test targets, never in a history.  NULL when there are none. */
	uint8_t *cold;       /* (N) */
	/* Side data, each NULL when absent. */
	char **titles;       /* (N) UTF-8 titles */
	int32_t n_genres;    /* G, at most GENRES_MAX */
	char **genre_names;  /* (G) */
	uint8_t *genres;     /* (N, G) multi-hot */
	int32_t *year;       /* (N), 0 = unknown */
	uint8_t *gender;     /* (U) 0 unknown, 1 F, 2 M */
	int32_t *age;        /* (U) */
	int32_t *occupation; /* (U) */
	side_columns item_cols; /* (N entities) generic catalogue columns, C 0 if none */
	side_columns user_cols; /* (U entities) generic users-file columns */
	char *meta;          /* the stream's meta text, kept for provenance */
} prep;

/* Training rows: how many of user u's interactions are training. */
static inline int64_t prep_train_end(const prep *p, int64_t u)
{
	return p->valid[u] >= 0 ? p->valid[u] : p->offsets[u + 1];
}

/* User u's targets at a split (test 0: validation, 1: test): they start
 * at *begin in items; returns how many, 0 when u has none. */
static inline int64_t prep_targets(const prep *p, int64_t u, int test, int64_t *begin)
{
	int64_t a = test ? p->test[u] : p->valid[u];
	int64_t b = test || p->test[u] < 0 ? p->offsets[u + 1] : p->test[u];
	*begin = a;
	if (a < 0 || b <= a)
		return 0;
	return p->targets_next ? 1 : b - a;
}

/* Training examples: every training interaction of a user but the first. */
int64_t prep_train_examples(const prep *p);

/* Whether item i is cold. */
static inline int prep_is_cold(const prep *p, int64_t i)
{
	return p->cold && p->cold[i];
}

/* Read a whole prep stream (kind=prep).  On error returns -1 with a
 * one-line reason in err.  Records it does not know are skipped. */
int prep_read(tts_reader *r, prep *p, char *err, size_t errlen);
/* Read the prep records that follow a meta record already consumed (for
 * programs that dispatch on kind). */
int prep_read_body(tts_reader *r, const char *meta, prep *p, char *err, size_t errlen);
/* Write every record of p (meta first; extra_meta lines appended to it),
 * not the end record. */
int prep_write(tts_writer *w, const prep *p, const char *extra_meta);
void prep_free(prep *p);

/* The records that name p's users and items for people (user_ids,
 * item_ids, user_names and item_names of string ids, titles), carried
 * by every stream that keeps a prep's numbering: prep, batch and model
 * streams.  ids_read_record: if h is one of them, read it into p
 * (n_users and n_items set) and return 1; 0 if it is another record;
 * -1 with err. */
int ids_write(tts_writer *w, const prep *p);
int ids_read_record(tts_reader *r, const tts_header *h, prep *p, char *err, size_t errlen);
/* After reading: each original id in user_ids and item_ids once, and
 * each name the string of its id. */
int ids_check_unique(const prep *p, char *err, size_t errlen);

#endif
