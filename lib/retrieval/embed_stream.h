/*
 * embed_stream.h - the embeddings and recs stream kinds: what tt-embed
 * writes and tt-topk, tt-eval and tt-fit read.
 *
 * Shapes use the dimension letters of dims.h: B rows in one group, E the
 * vectors' width, W the seen items of a group's users.
 *
 * An embeddings stream starts with the meta record
 *	kind=embeddings
 *	of=items|users
 *	dim=E
 *	count=n            (rows in the whole stream)
 *	users=U            (users only: the prep's users; each index < U)
 *	at=test|valid      (users only: the split the history stops before)
 *	ids=strings        (when the ids are string ids: then every group has
 *	                   a names record)
 *	model=H            (the identity of the model that made it, 16 hex
 *	                   digits: see model_identity; absent in streams
 *	                   written by other tools, which are taken as they are)
 * followed by one or more groups, so that a reader can stream users in
 * bounded memory.  A group is these records, in this order:
 *	ids           i64 (B)     original ids
 *	index         i32 (B)     user or item index in the prep numbering;
 *	                          distinct, any subset of the items (see embed_items)
 *	vectors       f32 (B,E)
 *	names         text        B lines, the string ids (ids=strings)
 *	titles        text        items only, optional: B lines
 *	seen_offsets  i64 (B+1)   users only, optional: CSR row pointers
 *	seen          i32 (W)     item indices each user has seen
 * Items come in one group (readers accept several); users in groups of at
 * most EMBED_GROUP_ROWS.  A group begins with its ids record; records with
 * other names are skipped.
 *
 * A recs stream starts with the meta record "kind=recs\nk=K\n" (and at=
 * when the users carried it, model= when its inputs did, shard=I/N when
 * it ranks only the I-th of N item ranges), then groups of:
 *	users     i32 (B)    user index
 *	user_ids  i64 (B)    original user id
 *	user_names text      B lines, the string ids (when the users had them)
 *	items     i32 (B,K)  item indices, best first; -1 pads a short list
 *	item_ids  i64 (B,K)  their original ids (optional; 0 where -1), by
 *	                     which tt-eval matches them, whatever numbering
 *	                     the model had
 *	scores    f32 (B,K)  -inf where the item is -1
 *
 * The library never prints or exits: -1 and a one-line reason in err.
 */
#ifndef EMBED_STREAM_H
#define EMBED_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "tts.h"

#define EMBED_GROUP_ROWS 4096
#define EMBED_MAX_DIM 65536

/* One group of an embeddings stream.  Zero it before first use; the
 * reader reuses (and grows) its buffers from group to group. */
typedef struct {
	int64_t n;              /* B */
	int dim;                /* E */
	int64_t *ids;           /* (B) original ids */
	int32_t *index;         /* (B) prep index */
	float *vectors;         /* (B,E) */
	char **names;           /* (B) string ids, or NULL */
	char **titles;          /* (B) or NULL */
	int64_t *seen_offsets;  /* (B+1) or NULL */
	int32_t *seen;          /* (W), W = seen_offsets[B] */
	/* buffers owned by the reader (the pointers above point into them,
	 * or are NULL when the group lacks the record); capacities in bytes */
	size_t cap_ids, cap_index, cap_offsets, cap_vec, cap_seen, cap_text, cap_titles;
	size_t cap_ntext, cap_names;
	char *text, *ntext;
	char **titles_buf, **names_buf;
	int64_t *offsets_buf;
	int32_t *seen_buf;
} embed_group;

/* Reading state shared by both stream kinds: one header read ahead, so a
 * group ends where the next one begins. */
typedef struct {
	tts_reader *r;
	char *meta;             /* the stream's meta text */
	int have_next;          /* next holds the first header of a group */
	int at_end;             /* the end record has been read */
	tts_header next;
	uint64_t model;         /* model= of the meta, 0 when absent */
	char err[256];
} group_reader;

/* Whether streams of models a and b may be combined: the same model, or
 * one of them of none.  model_hex: the 16 hex digits of an identity. */
static inline int same_model(uint64_t a, uint64_t b) { return !a || !b || a == b; }
const char *model_hex(uint64_t model, char buf[17]);

typedef struct {
	group_reader g;
	int users;              /* of=users */
	int dim;                /* E */
	int64_t count;          /* from meta */
	int64_t range;          /* users=, -1 when absent (older streams) */
	char at[16];            /* "" for items */
	int named;              /* ids=strings: every group has names */
} embed_reader;

/* Read and check the meta record (kind=embeddings).  -1: er->g.err, and
 * nothing to close. */
int embed_reader_open(embed_reader *er, tts_reader *r);
/* The next group: 1, 0 at the end of the stream, -1 on error (er->g.err). */
int embed_read_group(embed_reader *er, embed_group *grp);
void embed_reader_close(embed_reader *er); /* frees meta; r stays open */
void embed_group_free(embed_group *grp);

/* Writing: the meta record once (range: the users of the numbering, for
 * users; at may be NULL; model 0 for none; named: the groups give names),
 * then groups.  Titles have newlines replaced by spaces.  -1: see
 * tts_writer_error(). */
int embed_write_meta(tts_writer *w, int users, int dim, int64_t count,
	int64_t range, const char *at, uint64_t model, int named);
int embed_write_group(tts_writer *w, const embed_group *grp);

/* A whole items stream in memory, its rows in the order of their item
 * indices.  The indices are distinct and non-negative but need not be
 * all of 0..N-1: a stream of some of a data set's items (tt-embed --cold)
 * keeps the data set's indices, so that recommendations name the items
 * as the data set does.  Searches work on rows; index maps a row to its
 * item index, embed_items_row back. */
typedef struct {
	int64_t n;              /* N rows */
	int dim;                /* E */
	int64_t *ids;           /* (N) original id of row i */
	float *vectors;         /* (N,E) */
	char **names;           /* (N) string ids, or NULL */
	char **titles;          /* (N) or NULL */
	int32_t *index;         /* (N) item index of row i, ascending; NULL: row i is index i */
	char *meta;
	uint64_t model;         /* model= of the meta, 0 when absent */
	int64_t *by_id;         /* (N,2) (id, row) sorted by id, for find */
} embed_items;

int embed_items_load(tts_reader *r, embed_items *it, char *err, size_t errlen);
void embed_items_free(embed_items *it);
/* Row of an original id, or -1 (binary search in a sorted copy made on
 * first use). */
int64_t embed_items_find(embed_items *it, int64_t id);
/* Row of an id typed by a person (string ids when the items have names):
 * -1 when the items lack it, -2 with err when s cannot be one of their ids. */
int64_t embed_items_parse(embed_items *it, const char *s, char *err, size_t errlen);
/* Row of an item index, or -1 when the stream does not hold it. */
int64_t embed_items_row(const embed_items *it, int64_t index);
static inline int32_t embed_items_index(const embed_items *it, int64_t row)
{
	return it->index ? it->index[row] : (int32_t)row;
}

/* One group of a recs stream; zero it before first use. */
typedef struct {
	int64_t n;              /* B */
	int k;                  /* K */
	int32_t *users;         /* (B) */
	int64_t *user_ids;      /* (B) */
	int32_t *items;         /* (B,K) */
	int64_t *item_ids;      /* (B,K), meaningful when has_item_ids */
	float *scores;          /* (B,K) */
	int has_item_ids;       /* the group has (or, to write, gives) item_ids */
	char **user_names;      /* (B) string ids, or NULL */
	size_t cap_users, cap_user_ids, cap_items, cap_item_ids, cap_scores; /* bytes */
	char *ntext, **names_buf;
	size_t cap_ntext, cap_names;
} recs_group;

typedef struct {
	group_reader g;
	int k;                  /* K */
	char at[16];            /* "" when absent */
	int64_t shard, shards;  /* shard=I/N, shards 0 when absent */
	char left_out[64];      /* a shard's left_out=, "" when absent */
} recs_reader;

/* Ensure room for B rows of K; -1 when out of memory. */
int recs_group_reserve(recs_group *rg, int64_t b, int k);
void recs_group_free(recs_group *rg);
int recs_reader_open(recs_reader *rr, tts_reader *r);
int recs_read_group(recs_reader *rr, recs_group *rg);
void recs_reader_close(recs_reader *rr);
/* shards 0 (or 1) for recommendations over every item; left_out (a
 * shard's, or NULL) what its search left out besides, which the shards of
 * one search share. */
int recs_write_meta(tts_writer *w, int k, const char *at, uint64_t model,
	int64_t shard, int64_t shards, const char *left_out);
int recs_write_group(tts_writer *w, const recs_group *rg);

#endif
