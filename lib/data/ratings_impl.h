/* ratings_impl.h - what the driver (ratings.c) and the per-format line
 * parsers (ratings_formats.c) share: the parser's state. */
#ifndef RATINGS_IMPL_H
#define RATINGS_IMPL_H

#include "ratings.h"

#include <csv.h>
#include "ids.h"

#define MAX_FIELDS 8

typedef struct {
	const char *s;
	size_t n;
} field;

/* A column chosen by an option: a name or a number (from 1). */
typedef struct {
	const char *spec;     /* NULL: the default */
	int idx;              /* the field, from 0; -1 none */
} column;

typedef struct {
	column col;
	const char *const *vals;
	int nvals;
	uint64_t held;        /* bit v: some row holds vals[v] */
} where_rule;

/* A user or item column's ids: integers until a value that is not one
 * makes the whole column textual (ids.h). */
typedef struct {
	int textual;
	id_dict *dict;       /* textual: its strings */
	int64_t integers;    /* values that are canonical integers */
	int64_t texts;       /* values that are not */
	char first[300];     /* "file:line: 'text'" of the first that is not */
} id_column;

/* Why --skip-bad skipped a line. */
enum { BAD_FIELDS, BAD_USER, BAD_ITEM, BAD_RATING, BAD_TIME, BAD_REASONS };

struct ratings_parser {
	int format;
	int format_given;    /* by the caller, not detected */
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
	/* the format: where it was decided, the separator, the header */
	char format_file[128];
	int64_t format_line;
	char sep;            /* csv family: the separator */
	int header_opt;      /* -1 the format's default, 0, 1 */
	int header;          /* this file's first line names the columns */
	int generic;         /* dat/tsv lines go through the record path */
	int64_t first_data_line; /* of this file, 0 until seen */
	/* columns and filters */
	column user, item, rating, time;
	where_rule where[RATINGS_MAX_WHERE];
	int nwhere;
	int64_t filtered;
	/* times */
	int time_unit;       /* TIME_* */
	int time_ms;         /* rows hold milliseconds */
	int time_fraction;   /* a time with a fraction of a second was read */
	int time_other;      /* a time that is not a plain integer was read */
	/* --skip-bad by reason */
	int64_t bad_n[BAD_REASONS];
	char bad_first[BAD_REASONS][400];
	int64_t file_lines, file_skipped;
	/* ids: [0] users, [1] items */
	id_column ids[2];
	int id_bits;         /* the hash's width (ratings_set_id_bits) */
	const char *id_at[2];  /* the record's id fields: in the line, or */
	char id_text[2][ID_TEXT_MAX + 1]; /* copied when libcsv's */
	size_t id_len[2];
	int fields_stay;     /* the fields given stay until the record ends */
	int id_int[2];       /* the field is an integer, in row */
	unsigned char csv_class[256]; /* the csv fast path: 1 the separator,
				       * 2 a byte libcsv reads otherwise */
	/* the record path: csv through libcsv, dat/tsv split */
	struct csv_parser csv;
	int csv_ready;
	int header_done;     /* the header read (or none to read) */
	char **hdr;          /* (nhdr) the header's names */
	int nhdr, caphdr;
	int ncols;           /* fields a record has; -1 until the first */
	const char *col_twice; /* a column taken that the header names twice */
	int fieldno;
	rating_row row;      /* the record being read */
	char row_err[256];
	int row_bad;         /* its first bad field said in row_err */
	int row_reason;      /* BAD_* of row_err */
	int row_out;         /* a --where rule does not hold */
	int row_numbers;     /* its fields that are numbers (first data line) */
	char time_text[64];  /* its time, parsed once the row is kept */
	int time_len;        /* -1 none, or longer than time_text */
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
/* The end of a file of the record path: an open quote refused. */
int ratings_csv_end(ratings_parser *p);
/* A file begins: the header and columns as the settings say (-1 when
 * they do not fit the format). */
int ratings_records_begin(ratings_parser *p);
void ratings_records_free(ratings_parser *p);
/* Without a header: every column by number (a name is an error). */
int ratings_records_by_number(ratings_parser *p);
/* The error for a line longer than RATINGS_MAX_LINE. */
int ratings_line_too_long(ratings_parser *p, int64_t line);

#endif
