/*
 * side.h - side data for a prep: movies.dat / movies.csv / ML-100K's u.item
 * (titles, genres, year), users.dat / u.user (gender, age, occupation; a
 * u.user occupation is its place in ML-100K's u.occupation) and id maps ("from to" lines,
 * e.g. sas-item-to-movie-id.txt).  Files that are not valid UTF-8 are
 * taken as ISO-8859-1 and converted.  -1 and a one-line reason on error.
 */
#ifndef SIDE_H
#define SIDE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "prep.h"

/*
 * Ids as the interactions' (ids.h): a file whose every id is a canonical
 * integer has those (ids); one with any other string is textual, each
 * id the hash of its text.  keys are the hashes of every id's text, what
 * a textual input's ids are matched with; names the text itself.
 */
typedef struct {
	int64_t n;
	int64_t *ids;          /* (n) MovieID */
	int64_t *keys;         /* (n) the hash of each id's text */
	char **names;          /* (n) each id's text */
	int textual;           /* some id is not an integer: ids are keys */
	const char *file;      /* the name read, for messages */
	char **titles;         /* (n) UTF-8 */
	int32_t *year;         /* (n) from a trailing "(1995)", 0 if none */
	int32_t n_genres;      /* G, in order of first appearance */
	char **genre_names;    /* (G) */
	uint8_t *genres;       /* (n, G) */
	side_columns cols;     /* a file of any shape: its feature columns (n entities) */
} item_side;

typedef struct {
	int64_t n;
	int64_t *ids;          /* (n) UserID */
	int64_t *keys;         /* (n), as item_side's */
	char **names;          /* (n) */
	int textual;
	const char *file;
	uint8_t *gender;       /* (n) 0 unknown, 1 F, 2 M */
	int32_t *age;          /* (n) */
	int32_t *occupation;   /* (n) */
	side_columns cols;     /* as item_side's; gender, age, occupation NULL */
} user_side;

typedef struct {
	int64_t n;
	int64_t *pairs;        /* (n,2) (from, to) sorted by from: id_lookup.h */
} id_map;

/*
 * A catalogue or users file of any shape (ml-prep --item-id and the like):
 * delimited text with a header, RFC 4180 quoting, the id column, an
 * optional title column, and feature columns, each one of:
 *   NAME or NAME:cat     one value
 *   NAME:multi[=SEP]     values separated by SEP (default "|")
 *   NAME:path[=SEP]      a path "Toys > Puzzles" (default SEP ">"): each
 *                        prefix a value ("Toys", "Toys > Puzzles")
 *   NAME:num[=K]         a number in one of K quantile buckets (default
 *                        SIDE_NUM_BUCKETS), or NAME:num=@C1,C2,... at the
 *                        cut points given; an empty field no value
 * Values are trimmed of blanks; an empty one is no value.
 */
#define SIDE_NUM_BUCKETS 10
#define SIDE_CUTS_MAX 256
typedef struct {
	char name[256];
	int kind;              /* enum side_kind */
	char sep[16];          /* multi, path */
	int buckets;           /* num: quantile buckets, 0 with cuts */
	int n_cuts;
	double cuts[SIDE_CUTS_MAX]; /* num: increasing */
} side_feature;

typedef struct {
	const char *id, *title; /* column names; title NULL for none */
	char sep;               /* the field separator; 0 is ',' */
	int n;
	side_feature f[SIDE_COLUMNS_MAX];
} side_layout;

/* --item-feature's argument into f; -1 and a reason. */
int side_feature_parse(const char *arg, side_feature *f, char *err, size_t errlen);
/* The layout that reads a file into a model's columns c (names, kinds,
 * separators, a numeric column's cuts from its bucket names). */
int side_layout_of(const side_columns *c, side_layout *l, char *err, size_t errlen);
int item_side_read_layout(FILE *f, const char *name, const side_layout *l, item_side *s,
	char *err, size_t errlen);
int user_side_read_layout(FILE *f, const char *name, const side_layout *l, user_side *s,
	char *err, size_t errlen);

int item_side_read(FILE *f, const char *name, item_side *s, char *err, size_t errlen);
int user_side_read(FILE *f, const char *name, user_side *s, char *err, size_t errlen);
int id_map_read(FILE *f, const char *name, id_map *m, char *err, size_t errlen);
void item_side_free(item_side *s);
void user_side_free(user_side *s);
void id_map_free(id_map *m);

/* Attach to p by original id (through map when not NULL); *missing counts
 * prep items/users without an entry (empty title, zeros).  p's string
 * ids (p->item_names, p->user_names) are matched by keys (a file's id
 * and p's of one hash but two strings is an error), its integers by the
 * file's ids that are integers.  A map takes integers only. */
int side_attach_items(prep *p, const item_side *s, const id_map *map,
	int64_t *missing, char *err, size_t errlen);
int side_attach_users(prep *p, const user_side *s, const id_map *map,
	int64_t *missing, char *err, size_t errlen);

/* The year of a title's trailing "(1995)", 0 if none; stem (or NULL)
 * gets the length of the title before it. */
int32_t title_year(const char *t, size_t *stem);

/* Whether buf holds valid UTF-8; and ISO-8859-1 to UTF-8 (malloc'd). */
int utf8_valid(const char *buf, size_t n);
char *latin1_to_utf8(const char *buf, size_t n, size_t *outlen);

#endif
