/* test_ratings.c - ratings.c's times, separators, columns, filters, CSV
 * records over lines and --skip-bad's reasons, fed in pieces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratings.h"
#include "tap.h"

typedef struct {
	int format;
	rating_columns cols;
	char sep;
	int header;          /* -1 the default */
	int skip_bad;
	int unit;
	const char *where_col;
	const char *const *where_vals;
	int nwhere_vals;
} settings;

/* Parse text fed in pieces of size step; rc of the parse; *out the parser. */
static int parse(const char *text, const settings *s, size_t step, rating_array *a,
	ratings_parser **out)
{
	ratings_parser *p = ratings_parser_new(s->format, &s->cols, s->skip_bad, a);
	*out = p;
	if (s->sep && ratings_set_sep(p, s->sep) != 0)
		return -1;
	if (s->header >= 0)
		ratings_set_header(p, s->header);
	if (s->where_col)
		ratings_add_where(p, s->where_col, s->where_vals, s->nwhere_vals);
	ratings_set_time_unit(p, s->unit);
	if (ratings_begin(p, "t") != 0)
		return -1;
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i += step)
		if (ratings_feed(p, text + i, i + step <= n ? step : n - i) != 0)
			return -1;
	return ratings_end(p);
}

static const settings plain = { .header = -1 };

/* One dat line's time, or INT64_MIN when refused. */
static int64_t one_time(const char *t, int unit)
{
	char text[128];
	snprintf(text, sizeof text, "1::1::5::%s\n", t);
	settings s = plain;
	s.unit = unit;
	rating_array a = { 0 };
	ratings_parser *p;
	int64_t v = parse(text, &s, 64, &a, &p) == 0 && a.n == 1 ? a.v[0].time : INT64_MIN;
	ratings_parser_free(p);
	rating_array_free(&a);
	return v;
}

static void test_times(void)
{
	static const struct { const char *in; int unit; int64_t want; } cases[] = {
		{ "964982703", TIME_AUTO, 964982703 },
		{ "-5", TIME_AUTO, -5 },
		{ "2000-07-30T18:45:03Z", TIME_AUTO, 964982703 },
		{ "2000-07-30T18:45:03", TIME_AUTO, 964982703 },
		{ "2000-07-30 18:45:03z", TIME_AUTO, 964982703 },
		{ "2000-07-30T20:45:03+02:00", TIME_AUTO, 964982703 },
		{ "2000-07-30T20:45:03+0200", TIME_AUTO, 964982703 },
		{ "2000-07-30T16:45:03-02", TIME_AUTO, 964982703 },
		{ "2000-07-30T18:45", TIME_AUTO, 964982700 },
		{ "2000-07-30", TIME_AUTO, 964915200 },
		{ "1970-01-01", TIME_AUTO, 0 },
		{ "1969-12-31", TIME_AUTO, -86400 },
		{ "2000-02-29", TIME_AUTO, 951782400 },
		{ "2000-07-30T18:45:03.5Z", TIME_AUTO, 964982703500 },
		{ "964982703.25", TIME_AUTO, 964982703250 },
		{ "964982703.1239", TIME_AUTO, 964982703123 },
		{ "-1.5", TIME_AUTO, -1500 },
		{ "964982703000", TIME_MS, 964982703000 },
		{ "1234.9", TIME_MS, 1234 },
		{ "2000-07-30T18:45:03Z", TIME_MS, 964982703000 },
		{ "1e9", TIME_AUTO, INT64_MIN },
		{ "1.", TIME_AUTO, INT64_MIN },
		{ ".5", TIME_AUTO, INT64_MIN },
		{ "1900-02-29", TIME_AUTO, INT64_MIN },
		{ "2001-02-29", TIME_AUTO, INT64_MIN },
		{ "2000-13-01", TIME_AUTO, INT64_MIN },
		{ "2000-04-31", TIME_AUTO, INT64_MIN },
		{ "2000-07-30T24:00", TIME_AUTO, INT64_MIN },
		{ "2000-07-30T18:60", TIME_AUTO, INT64_MIN },
		{ "2000-07-30T18", TIME_AUTO, INT64_MIN },
		{ "2000-07-30T18:45:03+25:00", TIME_AUTO, INT64_MIN },
		{ "2000-07-30X", TIME_AUTO, INT64_MIN },
		{ "2000-7-30", TIME_AUTO, INT64_MIN },
		{ "9223372036854775.5", TIME_AUTO, INT64_MIN },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t got = one_time(cases[i].in, cases[i].unit);
		ok(got == cases[i].want, "time '%s' (unit %d): %lld", cases[i].in, cases[i].unit,
			(long long)got);
	}
}

/* A fraction after whole seconds: the rows before are scaled; magnitude
 * alone makes milliseconds only when every time has it. */
static void test_time_units(void)
{
	rating_array a = { 0 };
	ratings_parser *p;
	int rc = parse("1::1::5::10\n1::2::5::11.5\n1::3::5::12\n", &plain, 5, &a, &p);
	ok(rc == 0 && a.n == 3 && a.v[0].time == 10000 && a.v[1].time == 11500 &&
		a.v[2].time == 12000 && ratings_time_ms(p) && ratings_time_fraction(p),
		"a fraction puts every row in milliseconds");
	ratings_parser_free(p);
	rating_array_free(&a);
	rc = parse("1\t1\t5\t100000000000\n1\t2\t5\t-100000000001\n", &plain, 7, &a, &p);
	ok(rc == 0 && !ratings_time_ms(p) && ratings_settle_times(p) == 1 && ratings_time_ms(p) &&
		a.v[0].time == 100000000000, "every time at least 10^11: milliseconds");
	ratings_parser_free(p);
	rating_array_free(&a);
	rc = parse("1\t1\t5\t100000000000\n1\t2\t5\t99999999999\n", &plain, 7, &a, &p);
	/* read as seconds, the first would sort after everything else */
	ok(rc == 0 && ratings_settle_times(p) == -1 && !ratings_time_ms(p) &&
		strstr(ratings_error(p), "time 100000000000 is milliseconds by its size"),
		"one below: neither, an error naming the first of the size");
	ratings_parser_free(p);
	rating_array_free(&a);
	settings s = plain;
	s.unit = TIME_S;
	rc = parse("1\t1\t5\t100000000000\n", &s, 7, &a, &p);
	ok(rc == 0 && ratings_settle_times(p) == 0, "--time-unit s: seconds");
	ratings_parser_free(p);
	rating_array_free(&a);
	rc = parse("1::1::5::9223372036854775\n1::1::5::1.5\n", &plain, 64, &a, &p);
	ok(rc < 0, "milliseconds out of range refused: %s", ratings_error(p));
	ratings_parser_free(p);
	rating_array_free(&a);
}

/* A quoted field holding newlines, fed a byte at a time: one record. */
static void test_csv_records(void)
{
	const char *text = "userId;movieId;note;rating;timestamp\n"
		"1;10;\"a\nb;\nc\";4;100\n2;\"2\n0\";x;3;5\n3;30;\"\"\"q\"\"\";2;7\n";
	settings s = plain;
	s.sep = ';';
	for (size_t step = 1; step <= 64; step *= 8) {
		rating_array a = { 0 };
		ratings_parser *p;
		int rc = parse(text, &s, step, &a, &p);
		ok(rc < 0 && strcmp(ratings_error(p),
			"t:5: item id '2\\x0a0' holds a control character") == 0 && a.n == 1 &&
			a.v[0].item == 10 && a.v[0].time == 100,
			"pieces of %zu: %s", step, ratings_error(p));
		ratings_parser_free(p);
		rating_array_free(&a);
	}
}

static void test_columns(void)
{
	static const char *const vals[] = { "buy", "cart" };
	settings s = plain;
	s.format = RF_TSV;
	s.header = 1;
	s.cols = (rating_columns){ "who", "3", NULL, "when" };
	s.where_col = "what";
	s.where_vals = vals;
	s.nwhere_vals = 2;
	rating_array a = { 0 };
	ratings_parser *p;
	int rc = parse("when\twho\tsku\twhat\n5\t1\t10\tbuy\n6\tx\t11\tview\n7\t2\t12\tcart\n",
		&s, 3, &a, &p);
	ok(rc == 0 && a.n == 2 && a.v[0].user == 1 && a.v[0].item == 10 && a.v[0].time == 5 &&
		a.v[1].user == 2 && a.v[1].time == 7 && ratings_filtered(p) == 1 &&
		!ratings_has_rating(p), "tsv with a header, columns by name and number, --where: %s",
		ratings_error(p));
	ratings_parser_free(p);
	rating_array_free(&a);
	s = plain;
	s.format = RF_DAT;
	s.cols = (rating_columns){ "2", "1", NULL, NULL };
	rc = parse("10::1::4::100\n11::1::3::101\n", &s, 4, &a, &p);
	ok(rc == 0 && a.n == 2 && a.v[1].item == 11 && a.v[1].user == 1 && a.v[1].rating == 3,
		"dat by numbers");
	ratings_parser_free(p);
	rating_array_free(&a);
	s.cols = (rating_columns){ "user", NULL, NULL, NULL };
	rc = parse("10::1::4::100\n", &s, 4, &a, &p);
	ok(rc < 0 && strstr(ratings_error(p), "is a name, and the input is read without a header"),
		"a name without a header: %s", ratings_error(p));
	ratings_parser_free(p);
	rating_array_free(&a);
	s = plain;
	s.sep = '|';
	s.header = 0;
	rc = parse("1|10\n2|20\n", &s, 4, &a, &p);
	ok(rc == 0 && a.n == 2 && !ratings_has_rating(p) && !ratings_has_time(p),
		"no header, two columns: no rating, no time");
	ratings_parser_free(p);
	rating_array_free(&a);
}

static void test_skip_reasons(void)
{
	settings s = plain;
	s.skip_bad = 1;
	rating_array a = { 0 };
	ratings_parser *p;
	int rc = parse("1::1::5::1\n::1::5::1\n1::\xff::5::1\n1::1::5\n1::1::z::1\n1::1::5::t\n"
		"\x01::1::5::1\n", &s, 16, &a, &p);
	int64_t n[5] = { 0 };
	const char *first[5], *what;
	for (int r = 0; (what = ratings_skip_reason(p, r, &n[r], &first[r])); r++)
		;
	ok(rc == 0 && a.n == 1 && ratings_skipped(p) == 6 && n[0] == 1 && n[1] == 2 &&
		n[2] == 1 && n[3] == 1 && n[4] == 1 && strcmp(first[1], "t:2: user id is empty") == 0 &&
		strcmp(first[2], "t:3: item id '\\xff' is not valid UTF-8") == 0 && strncmp(first[3], "t:5: rating", 11) == 0 &&
		ratings_file_lines(p) == 7 && ratings_file_skipped(p) == 6,
		"reasons counted, the first of each kept");
	ratings_parser_free(p);
	rating_array_free(&a);
}

int main(void)
{
	test_times();
	test_time_units();
	test_csv_records();
	test_columns();
	test_skip_reasons();
	return done();
}
