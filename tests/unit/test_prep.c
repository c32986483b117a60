/* test_prep.c - ratings parsing, building a prep, the prep stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "prep.h"
#include "ratings.h"
#include "side.h"
#include "tap.h"
#include "tts.h"

/* Parse text fed in pieces of size step (1 exercises the line carry). */
static int parse(const char *text, int format, size_t step, rating_array *a,
	ratings_parser **out)
{
	ratings_parser *p = ratings_parser_new(format, NULL, 0, a);
	*out = p;
	if (ratings_begin(p, "t") != 0)
		return -1;
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i += step)
		if (ratings_feed(p, text + i, i + step <= n ? step : n - i) != 0)
			return -1;
	return ratings_end(p);
}

static void test_formats(void)
{
	const char *texts[] = {
		"1::10::4::100\n2::20::3.5::50\r\n",
		"1\t10\t4\t100\n2\t20\t3.5\t50",
		"\xef\xbb\xbfuserId,movieId,rating,timestamp\n1,10,4,100\n\"2\",20,\"3.5\",50\n",
	};
	for (int f = 0; f < 3; f++)
		for (size_t step = 1; step <= 64; step *= 8) {
			rating_array a = { 0 };
			ratings_parser *p;
			int rc = parse(texts[f], RF_AUTO, step, &a, &p);
			ok(rc == 0 && a.n == 2 && a.v[0].user == 1 && a.v[0].item == 10 &&
				a.v[0].rating == 4 && a.v[1].rating == 3.5f && a.v[1].time == 50 &&
				ratings_format(p) == f + 1,
				"format %d, pieces of %zu: %s", f + 1, step, rc ? ratings_error(p) : "ok");
			ratings_parser_free(p);
			rating_array_free(&a);
		}
}

static void test_errors(void)
{
	rating_array a = { 0 };
	ratings_parser *p;
	int rc = parse("1::2::3::4\n1::2::3\n", RF_AUTO, 5, &a, &p);
	ok(rc < 0 &&
		strcmp(ratings_error(p), "t:2: expected 4 fields separated by '::'") == 0,
		"short line: %s", ratings_error(p));
	ratings_parser_free(p);
	rating_array_free(&a);
	rc = parse("1::99999999999999999999::3::4\n", RF_AUTO, 5, &a, &p);
	ok(rc < 0,
		"id overflow: %s", ratings_error(p));
	ratings_parser_free(p);
	rating_array_free(&a);
	rc = parse("9223372036854775807 1\n", RF_AUTO, 5, &a, &p);
	ok(rc == 0 && a.n == 1 &&
		a.v[0].user == INT64_MAX, "largest id");
	ratings_parser_free(p);
	rating_array_free(&a);
}

static int build(const char *text, const build_options *o, prep *p, build_stats *st)
{
	rating_array a = { 0 };
	ratings_parser *rp;
	char err[256];
	int rc = parse(text, RF_AUTO, 4096, &a, &rp);
	build_options oo = *o;
	oo.has_rating = ratings_has_rating(rp);
	oo.has_time = ratings_has_time(rp);
	ratings_parser_free(rp);
	if (rc == 0)
		rc = build_prep(&a, &oo, p, st, err, sizeof err);
	rating_array_free(&a);
	return rc;
}

static void test_build_and_stream(void)
{
	build_options o = { .split = SPLIT_LOO };
	build_stats st;
	prep p, q;
	/* user 7 in time order: 30 (t1), 10 (t2, tie broken by input), 20 (t2), 10 again */
	int rc = build("7::10::4::2\n7::20::4::2\n7::30::4::1\n7::10::5::3\n5::20::1::1\n",
		&o, &p, &st);
	ok(rc == 0 && p.n_users == 2 && p.n_items == 3 && p.n_inter == 4 &&
		p.user_ids[0] == 5 && p.user_ids[1] == 7, "re-indexed by original id");
	ok(p.items[1] == 2 && p.items[2] == 0 && p.items[3] == 1, "stable time order");
	ok(st.removed_repeats == 1 && st.train_only_users == 1 && p.valid[0] == -1 &&
		p.valid[1] == 2 && p.test[1] == 3, "repeats and split");
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 1);
	char err[256];
	ok(prep_write(w, &p, "split=loo\n") == 0 && tts_writer_close(w, err, sizeof err) == 0,
		"written");
	rewind(f);
	tts_reader *r = tts_reader_open(f);
	rc = prep_read(r, &q, err, sizeof err);
	ok(rc == 0 && q.n_inter == 4 && memcmp(q.items, p.items, 16) == 0 &&
		q.times && q.times[3] == 2, "read back: %s", rc ? err : "ok");
	tts_reader_close(r);
	fclose(f);
	prep_free(&q);
	/* A broken prep is refused with the record named. */
	p.items[2] = 9;
	f = tmpfile();
	w = tts_writer_open(f, 1);
	prep_write(w, &p, NULL);
	tts_writer_close(w, err, sizeof err);
	rewind(f);
	r = tts_reader_open(f);
	rc = prep_read(r, &q, err, sizeof err);
	ok(rc < 0 && strstr(err, "record items"), "bad item index: %s", err);
	tts_reader_close(r);
	fclose(f);
	prep_free(&p);
}

static void test_utf8(void)
{
	ok(utf8_valid("Citt\xc3\xa0", 6) && !utf8_valid("Citt\xe0", 5), "utf8_valid");
	size_t n;
	char *u = latin1_to_utf8("Citt\xe0", 5, &n);
	ok(n == 6 && memcmp(u, "Citt\xc3\xa0", 6) == 0, "latin1 to utf8");
	free(u);
}

int main(void)
{
	test_formats();
	test_errors();
	test_build_and_stream();
	test_utf8();
	return done();
}
