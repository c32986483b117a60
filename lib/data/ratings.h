/*
 * ratings.h - interaction files in: parsing the MovieLens formats into
 * one growable array of rows (files plain or compressed, instream.h).
 *
 * Formats, one interaction per line (seq: one or more):
 *	dat  UserID::MovieID::Rating::Timestamp       (ML-1M, ML-10M)
 *	tsv  user<TAB>item<TAB>rating<TAB>timestamp    (ML-100K u.data)
 *	csv  header line, then columns chosen by name (ML-20M and later);
 *	     RFC 4180 quoting through libcsv, any one-byte separator
 *	seq  user item [item...], each user's items in time order (no rating,
 *	     no time); a line of many items is as many "user item" lines
 *
 * dat, tsv and csv are delimited: any of them may have a header or not,
 * and its columns may be chosen by name (with a header) or number
 * (from 1), and rows kept by a column's value (ratings_add_where).  dat
 * and tsv in their plain shape (no header, columns 1 to 4, no filter)
 * take a fast path.
 *
 * Times: integer seconds; integer milliseconds (by ratings_set_time_unit,
 * or every one at least 10^11: ratings_settle_times); decimal fractions;
 * ISO 8601 dates and times (a time without a zone is UTC).  The rows
 * carry seconds, or milliseconds for every row once a time has a
 * fraction of a second or the unit is milliseconds (ratings_time_ms).
 *
 * Ids: a user or item column whose every value is a canonical decimal
 * integer (ids.h) keeps those integers; any other is textual as a whole,
 * each id the hash of its string (1 to 255 bytes of UTF-8 without
 * control characters), the integers read before the first string taken
 * as their text.  Two strings of one hash are an error.  The rows of a
 * textual column hold its strings' indices (ratings_take_ids).
 *
 * Blank lines are ignored; CRLF line ends, a UTF-8 byte order mark and a
 * missing final newline are accepted.  The library never prints or
 * exits: -1 and a one-line reason.
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

/* The formats as --format spells them, by enum rating_format; from
 * RF_DAT, those a program can be asked for. */
extern const char *const rating_format_names[RF_SEQ + 1];
const char *rating_format_name(int format);  /* "dat", ...; "auto"; "?" for no format */

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

/* Columns, each a header name or a number from 1 (all digits); NULL
 * members take the defaults: with a header userId, movieId, rating,
 * timestamp, without one 1, 2, 3, 4.  rating and time columns may be
 * absent from a file unless named here. */
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

/* Settings, before the first file (each -1 with the error when invalid).
 * sep: the csv family's one-byte separator (default ','), which makes
 * the format csv. */
int ratings_set_sep(ratings_parser *p, char sep);
/* header: 1 the first line of each file names the columns, 0 it does
 * not; default: csv has one, dat and tsv do not. */
void ratings_set_header(ratings_parser *p, int header);
/* Keep only rows whose column col (a name or number) holds one of the
 * n values exactly; several rules must all hold.  The strings are kept,
 * not copied. */
#define RATINGS_MAX_WHERE 16
#define RATINGS_MAX_WHERE_VALUES 64
int ratings_add_where(ratings_parser *p, const char *col, const char *const *values, int n);
/* Whether some row read held value v of rule w (0 from the first added):
 * a value no row holds is most likely a typo, which filters silently. */
int ratings_where_held(const ratings_parser *p, int w, int v);
enum { TIME_AUTO, TIME_S, TIME_MS };
void ratings_set_time_unit(ratings_parser *p, int unit);

/* After the last file: with TIME_AUTO, integer times every one of which
 * is at least 10^11 (as seconds, after the year 5138) are milliseconds.
 * Returns 1 when it decided so; -1 (ratings_error) when some are and
 * other times are not, or are ISO 8601 or fractions, which the rule
 * cannot reconcile. */
int ratings_settle_times(ratings_parser *p);
int ratings_time_ms(const ratings_parser *p);      /* rows hold milliseconds */
int ratings_time_fraction(const ratings_parser *p); /* because of a fraction */

/* Lines skipped by --skip-bad, by reason: how many, and the message of
 * the first ("file:line: what"); reason from 0 while it returns non-NULL. */
const char *ratings_skip_reason(const ratings_parser *p, int reason, int64_t *n,
	const char **first);
int64_t ratings_filtered(const ratings_parser *p);  /* rows ratings_add_where dropped */
int64_t ratings_file_lines(const ratings_parser *p);   /* the last file's */
int64_t ratings_file_skipped(const ratings_parser *p);
char ratings_sep(const ratings_parser *p);
int ratings_header(const ratings_parser *p);       /* the last file had one */

/* String ids, side 0 users, 1 items: whether the column is textual;
 * when it also holds integers (taken as their text), how many, and the
 * first value that is not one ("file:line: 'text'"), else 0. */
enum { IDS_USER, IDS_ITEM };
int ratings_ids_textual(const ratings_parser *p, int side);
int64_t ratings_ids_mixed(const ratings_parser *p, int side, const char **first);
/* The strings of a textual column, handed over (NULL for integers): the
 * caller frees it with id_dict_free.  The rows of a textual column hold
 * the indices of its strings there (in order of first appearance), not
 * ids: id_dict_resolve makes ids of them. */
struct id_dict *ratings_take_ids(ratings_parser *p, int side);
/* For tests: hash ids to fewer bits than 63, so that strings collide. */
void ratings_set_id_bits(ratings_parser *p, int bits);

int ratings_format(const ratings_parser *p);      /* RF_AUTO until known */
int ratings_has_rating(const ratings_parser *p);  /* every file had one */
int ratings_has_time(const ratings_parser *p);
int64_t ratings_lines(const ratings_parser *p);   /* data lines seen */
int64_t ratings_skipped(const ratings_parser *p); /* bad lines skipped */

#endif
