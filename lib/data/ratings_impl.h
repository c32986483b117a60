/* ratings_impl.h - what the driver (ratings.c) and the per-format line
 * parsers (ratings_formats.c) share: the parser's state. */
#ifndef RATINGS_IMPL_H
#define RATINGS_IMPL_H

#include "ratings.h"

#include <csv.h>

#define MAX_FIELDS 8

typedef struct {
	const char *s;
	size_t n;
} field;

struct ratings_parser {
	int format;
	int skip_bad;
	rating_array *out;
	rating_columns cols;
	int has_rating, has_time; /* of every file so far */
	int file_rating, file_time;
	const char *name;
	int64_t line, lines, skipped;
	char *carry;
	size_t ncarry, capcarry;
	char err[512];
	/* csv */
	struct csv_parser csv;
	int csv_ready;
	int header_done;
	int col_user, col_item, col_rating, col_time, ncols;
	const char *col_twice; /* a column taken that the header names twice */
	int fieldno;
	rating_row row;      /* the record being read */
	char row_err[256];
	int row_bad;         /* its first bad field said in row_err */
	int row_failed;      /* a record stopped the parse: err set */
	int fields_line;     /* fields ended on the current line */
	int64_t row_line;    /* where the record being read began */
	int64_t quote_line;  /* where its open quoted field began */
};


/* The rows' room quadrupled (rows that arrive without a size hint). */
int rating_grow(rating_array *a);
/* The error of a row that did not fit: the line and the size wanted. */
void ratings_push_failed(ratings_parser *p);

static inline int rating_push(rating_array *a, const rating_row *r)
{
	if (a->n == a->cap && rating_grow(a) != 0)
		return -1;
	a->v[a->n++] = *r;
	return 0;
}

/* One line of p's format (detected from the first when auto), without
 * its newline: a row added, or skipped, or -1 with p's error set. */
int ratings_one_line(ratings_parser *p, const char *s, size_t n);
/* The whole dat or tsv lines of [s, e) that fit the common shape, parsed
 * without a copy; returns where the first line that does not fit starts. */
const char *ratings_fast_lines(ratings_parser *p, const char *s, const char *e);
/* The end of a csv file after its header: a last row without newline
 * taken, an open quote refused. */
int ratings_csv_end(ratings_parser *p);
/* The error for a line longer than RATINGS_MAX_LINE. */
int ratings_line_too_long(ratings_parser *p, int64_t line);

#endif
