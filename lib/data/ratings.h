/*
 * ratings.h - interaction files in: parsing the MovieLens formats into
 * one growable array of rows (files plain or compressed, instream.h).
 *
 * Formats, one interaction per line (seq: one or more):
 *	dat  UserID::MovieID::Rating::Timestamp       (ML-1M, ML-10M)
 *	tsv  user<TAB>item<TAB>rating<TAB>timestamp    (ML-100K u.data)
 *	csv  header line, then columns chosen by name (ML-20M and later)
 *	seq  user item [item...], each user's items in time order (no rating,
 *	     no time); a line of many items is as many "user item" lines
 *
 * Blank lines are ignored; CRLF line ends, a UTF-8 byte order mark and a
 * missing final newline are accepted.  Ids are non-negative 64-bit
 * integers.  The library never prints or exits: -1 and a one-line reason.
 */
#ifndef RATINGS_H
#define RATINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum rating_format { RF_AUTO = 0, RF_DAT, RF_TSV, RF_CSV, RF_SEQ };

/* The longest line taken, in bytes.  A seq line holds a user's whole
 * history (thousands of items are some tens of KB); a file with no
 * newline, or no text at all, is refused at its first line instead of
 * filling memory. */
#define RATINGS_MAX_LINE ((size_t)64 << 20)

const char *rating_format_name(int format);  /* "dat", ...; "auto" */
int rating_format_parse(const char *name);   /* -1 if unknown */

/* One interaction.  Rows are appended in input order, so a row's index in
 * the array is its input order (the tie-break of the time sort). */
typedef struct {
	int64_t user;   /* original user id */
	int64_t item;   /* original item id */
	int64_t time;   /* timestamp, 0 when the format has none */
	float rating;   /* 0 when the format has none */
} rating_row;

typedef struct {
	rating_row *v;
	size_t n, cap;
} rating_array;

void rating_array_free(rating_array *a);

/* ---- parsing ---- */

/* CSV column names; NULL members take the defaults userId, movieId,
 * rating, timestamp.  rating and time columns may be absent from a file
 * unless named here. */
typedef struct {
	const char *user, *item, *rating, *time;
} rating_columns;

typedef struct ratings_parser ratings_parser;

/* format RF_AUTO: detected from the first non-blank line of the first
 * file.  skip_bad: count malformed lines instead of failing. */
ratings_parser *ratings_parser_new(int format, const rating_columns *cols,
	int skip_bad, rating_array *out);
size_t ratings_parser_bytes(void); /* what ratings_parser_new allocates */
void ratings_parser_free(ratings_parser *p);
/* Parse one whole file; name is used in messages ("name:line: what"). */
int ratings_parse_file(ratings_parser *p, FILE *f, const char *name);
/* The same steps for data already in memory (unit tests, callers that
 * own the bytes): begin, feed any number of pieces, end. */
int ratings_begin(ratings_parser *p, const char *name);
int ratings_feed(ratings_parser *p, const char *buf, size_t n);
int ratings_end(ratings_parser *p);
const char *ratings_error(const ratings_parser *p);

int ratings_format(const ratings_parser *p);      /* RF_AUTO until known */
int ratings_has_rating(const ratings_parser *p);  /* every file had one */
int ratings_has_time(const ratings_parser *p);
int64_t ratings_lines(const ratings_parser *p);   /* data lines seen */
int64_t ratings_skipped(const ratings_parser *p); /* bad lines skipped */

#endif
