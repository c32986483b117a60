/* test_prep.c - ratings parsing, building a prep, the prep stream. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "prep.h"
#include "ratings.h"
#include "side.h"
#include "tap.h"
#include "tts.h"

/* The meta lines reread's stream carries (a split=time, say). */
static const char *reread_meta;

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
	ok(rc == 0 && ratings_ids_textual(p, IDS_ITEM) && !ratings_ids_textual(p, IDS_USER),
		"an id beyond 2^63 - 1 is a string: %s", ratings_error(p));
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

/* Lines the fast path of dat and tsv hands to the general one give the
 * same rows, and errors the same line numbers, in whatever pieces. */
static void test_fast_path(void)
{
	static char text[16384];
	size_t n = 0;
	for (int i = 0; i < 300; i++)
		n += sprintf(text + n, "%d::%d::%d::%d\n", i % 7, i, i % 5 + 1, 1000 - i);
	sprintf(text + n, "1::2::3.5::-4\r\n\n1234567890123456789::1::2::3\n5\t6\t7\t8\n");
	for (size_t step = 1; step <= 4096; step *= 64) {
		rating_array a = { 0 };
		ratings_parser *p;
		int rc = parse(text, RF_AUTO, step, &a, &p);
		ok(rc < 0 && strcmp(ratings_error(p),
			"t:304: expected 4 fields separated by '::'") == 0 && a.n == 302 &&
			a.v[299].user == 299 % 7 && a.v[299].item == 299 &&
			a.v[299].rating == 5 && a.v[299].time == 701 &&
			a.v[300].rating == 3.5f && a.v[300].time == -4 &&
			a.v[301].user == 1234567890123456789, "pieces of %zu: %s", step,
			ratings_error(p));
		ratings_parser_free(p);
		rating_array_free(&a);
	}
}

static int items_are(const prep *p, const int32_t *want, int64_t n)
{
	return p->n_inter == n && memcmp(p->items, want, n * sizeof *want) == 0;
}

/* Input already grouped by user or not, small or wide ids, long users and
 * wide time spans take different paths to the same kind of result. */
static void test_build_paths(void)
{
	build_options o = { .split = SPLIT_NONE };
	build_stats st;
	prep p;
	static const int32_t grouped[] = { 1, 0, 0, 2 }, wide[] = { 0, 2, 2, 1 };
	ok(build("1::10::4::5\n1::20::4::3\n2::10::4::1\n2::30::4::2\n", &o, &p, &st) == 0 &&
		items_are(&p, grouped, 4), "users in order");
	prep_free(&p);
	ok(build("2::10::4::1\n1::10::4::5\n2::30::4::2\n1::20::4::3\n", &o, &p, &st) == 0 &&
		items_are(&p, grouped, 4) && p.user_ids[0] == 1, "users out of order");
	prep_free(&p);
	ok(build("1000000000001::10000000000010::4::5\n1000000000001::20::4::3\n"
		"2000000000002::10000000000010::4::1\n2000000000002::30::4::2\n",
		&o, &p, &st) == 0 && items_are(&p, wide, 4) &&
		p.item_ids[2] == 10000000000010 && p.user_ids[1] == 2000000000002,
		"wide ids");
	prep_free(&p);
	static const int32_t span[] = { 0, 4, 2, 3, 1 };
	ok(build("1::5::3::-9000000000000000000\n1::6::3::9000000000000000000\n"
		"1::7::3::5\n1::8::3::5\n1::9::3::-9000000000000000000\n", &o, &p, &st) == 0 &&
		items_are(&p, span, 5), "times spanning all of int64, ties in input order");
	prep_free(&p);
	static char text[8192];
	size_t n = 0;
	for (int i = 0; i < 300; i++)
		n += sprintf(text + n, "1::%d::4::%d\n", i, (i * 37) % 10);
	int sorted = build(text, &o, &p, &st) == 0 && p.n_inter == 300;
	for (int64_t k = 1; sorted && k < 300; k++)
		sorted = p.times[k - 1] < p.times[k] ||
			(p.times[k - 1] == p.times[k] && p.items[k - 1] < p.items[k]);
	ok(sorted, "a long user: stable time order");
	prep_free(&p);
}

/* Write p and then whatever extra adds, read it back: the reader's error,
 * or "" when the stream was accepted. */
static const char *reread(const prep *p, void (*extra)(tts_writer *, const prep *),
	char *err, size_t errlen)
{
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 1);
	prep q;
	prep_write(w, p, reread_meta);
	if (extra)
		extra(w, p);
	tts_writer_close(w, err, errlen);
	rewind(f);
	tts_reader *r = tts_reader_open(f);
	err[0] = '\0';
	if (prep_read(r, &q, err, errlen) == 0)
		prep_free(&q);
	tts_reader_close(r);
	fclose(f);
	return err;
}

static void items_again(tts_writer *w, const prep *p)
{
	uint64_t Z = (uint64_t)p->n_inter;
	tts_write(w, "items", TTS_I32, 1, &Z, p->items);
}

static void titles_short(tts_writer *w, const prep *p)
{
	tts_write_text(w, "titles", "One\nTwo\n");
}

static void titles_long(tts_writer *w, const prep *p)
{
	tts_write_text(w, "titles", "One\nTwo\nThree\nFour\n");
}

static void titles_unterminated(tts_writer *w, const prep *p)
{
	tts_write_text(w, "titles", "One\nTwo\nThree");
}

static void expect_err(const prep *p, void (*extra)(tts_writer *, const prep *),
	const char *want, const char *what)
{
	char err[256];
	reread(p, extra, err, sizeof err);
	ok(strcmp(err, want) == 0, "%s: '%s'", what, err);
}

/* The reader refuses streams that would mislead or crash its users. */
static void test_check(void)
{
	build_options o = { .split = SPLIT_LOO };
	build_stats st;
	prep p;
	/* user 0: one interaction, no targets; user 1: valid 2, test 3 */
	int rc = build("7::10::4::2\n7::20::4::2\n7::30::4::1\n5::20::1::1\n",
		&o, &p, &st);
	ok(rc == 0 && p.valid[1] == 2 && p.test[1] == 3, "built for the checks");
	expect_err(&p, NULL, "", "a good stream is accepted");

	p.test[1] = -1;
	expect_err(&p, NULL, "record test: user 1 has a validation target but no test target",
		"valid without test");
	p.valid[1] = -1;
	p.test[1] = 3;
	expect_err(&p, NULL, "record valid: user 1 has a test target but no validation target",
		"test without valid");
	p.valid[1] = 3;
	p.test[1] = 2;
	expect_err(&p, NULL, "record valid: user 1's validation target 3 is not before "
		"its test target 2", "valid after test");
	p.valid[1] = p.test[1] = 3;
	expect_err(&p, NULL, "record valid: user 1's validation target 3 is not before "
		"its test target 3", "valid equal to test");
	p.valid[1] = 2;
	p.test[1] = 3;

	char *names[] = { "Drama", "Comedy" };
	uint8_t genres[6] = { 1, 0, 0, 1, 1, 1 };
	p.n_genres = 2;
	p.genre_names = names;
	p.genres = genres;
	expect_err(&p, NULL, "", "multi-hot genres are accepted");
	genres[3] = 2;
	expect_err(&p, NULL, "record genres: item 1 genre 1 has 2, not 0 or 1",
		"a genre value of 2");
	p.n_genres = 0;
	p.genre_names = NULL;
	p.genres = NULL;

	uint8_t gender[2] = { 0, 2 };
	p.gender = gender;
	expect_err(&p, NULL, "", "gender 0..2 is accepted");
	gender[0] = 3;
	expect_err(&p, NULL, "record gender: user 0 has 3, not 0, 1 or 2", "a gender of 3");
	p.gender = NULL;

	/* items 20, then 30 10 20: indices 1, then 2 0 1 (valid 2, test 3) */
	uint8_t cold[3] = { 0, 0, 0 };
	p.cold = cold;
	expect_err(&p, NULL, "", "no cold item is accepted");
	cold[1] = 1;
	expect_err(&p, NULL, "record cold: item 1 is cold but in user 0's history",
		"a cold test target that another user has seen");
	cold[1] = 0;
	cold[0] = 1;
	expect_err(&p, NULL, "record cold: item 0 is cold but in user 1's history",
		"a cold validation target");
	cold[0] = 2;
	expect_err(&p, NULL, "record cold: item 0 has 2, not 0 or 1", "a cold value of 2");
	p.cold = NULL;

	expect_err(&p, titles_short, "record titles: 2 lines for 3 items", "too few titles");
	expect_err(&p, titles_long, "record titles: 4 lines for 3 items", "too many titles");
	expect_err(&p, titles_unterminated, "", "the last title's newline is optional");
	expect_err(&p, items_again, "record items: appears twice", "a record twice");
	prep_free(&p);
}

/* Parse and build with the temporal split at the cut-offs given. */
static int build_time(const char *text, const char *cut, const char *vcut, int next,
	prep *p, build_stats *st, char *err, size_t errlen)
{
	build_options o = { .split = SPLIT_TIME, .targets_next = next };
	if (time_cut_parse("--cutoff", cut, TIME_AUTO, &o.cutoff, err, errlen) ||
	    (vcut && time_cut_parse("--valid-cutoff", vcut, TIME_AUTO, &o.valid_cutoff,
		err, errlen)))
		return -1;
	rating_array a = { 0 };
	ratings_parser *rp;
	int rc = parse(text, RF_AUTO, 4096, &a, &rp);
	o.has_rating = ratings_has_rating(rp);
	o.has_time = ratings_has_time(rp);
	ratings_parser_free(rp);
	if (rc == 0)
		rc = build_prep(&a, &o, p, st, err, errlen);
	rating_array_free(&a);
	return rc;
}

/* Users 1..5 by time: 1 trains at 1 2 3, validates at 5, tests at 8 9; 2
 * trains at 1, tests at 8; 3 comes at 6 only; 4 trains only (2 4); 5
 * trains at 3, validates at 6.  Cut-offs 5 and 7. */
static const char *timeline =
	"1::11::4::1\n1::12::4::2\n1::13::4::3\n1::14::4::5\n1::15::4::8\n1::16::4::9\n"
	"2::11::4::1\n2::15::4::8\n3::12::4::6\n4::12::4::2\n4::13::4::4\n"
	"5::14::4::3\n5::16::4::6\n";

static void test_time_cut(void)
{
	time_cut c;
	char err[256];
	ok(time_cut_parse("--cutoff", "0.9", TIME_AUTO, &c, err, sizeof err) == 0 &&
		c.kind == CUT_SHARE && c.share == 0.9, "0.9 is a share");
	ok(time_cut_parse("--cutoff", "90%", TIME_AUTO, &c, err, sizeof err) == 0 &&
		c.kind == CUT_SHARE && fabs(c.share - 0.9) < 1e-15, "90%% is a share");
	ok(time_cut_parse("--cutoff", "2000-12-01", TIME_AUTO, &c, err, sizeof err) == 0 &&
		c.kind == CUT_TIME && c.time == 975628800 && !c.ms, "a date is its midnight, UTC");
	ok(time_cut_parse("--cutoff", "2000-12-01T01:00:00+01:00", TIME_AUTO, &c, err,
		sizeof err) == 0 && c.time == 975628800, "ISO 8601 with a zone");
	ok(time_cut_parse("--cutoff", "975628800", TIME_AUTO, &c, err, sizeof err) == 0 &&
		c.kind == CUT_TIME && c.time == 975628800, "integer seconds");
	ok(time_cut_parse("--cutoff", "975628800000", TIME_AUTO, &c, err, sizeof err) == 0 &&
		c.time == 975628800000 && c.ms, "integer milliseconds, by magnitude");
	ok(time_cut_parse("--cutoff", "2.5", TIME_AUTO, &c, err, sizeof err) == 0 &&
		c.kind == CUT_TIME && c.time == 2500 && c.ms, "2.5 is a time with a fraction");
	ok(time_cut_parse("--cutoff", "soon", TIME_AUTO, &c, err, sizeof err) < 0 &&
		strcmp(err, "--cutoff: 'soon' is neither a share of the interactions (0.9, "
		"90%) nor a time (seconds, or ISO 8601 as 2000-12-01 or "
		"2000-12-01T00:00:00Z)") == 0, "not a cut-off: %s", err);
	ok(time_cut_parse("--valid-cutoff", "100%", TIME_AUTO, &c, err, sizeof err) < 0 &&
		strcmp(err, "--valid-cutoff: '100%' is not a share of the interactions "
		"above 0% and below 100%") == 0, "100%% is no share: %s", err);
}

static void test_time_split(void)
{
	prep p;
	build_stats st;
	char err[256];
	int64_t a;
	int rc = build_time(timeline, "7", "5", 1, &p, &st, err, sizeof err);
	ok(rc == 0, "built: %s", rc ? err : "ok");
	ok(p.n_users == 4 && p.user_ids[1] == 2 && p.user_ids[2] == 4 && p.n_inter == 12 &&
		p.n_items == 6, "user 3, with no history before 5, left out; its item stays");
	ok(st.no_history_users == 1 && st.no_history_inter == 1 && st.cutoff == 7 &&
		st.valid_cutoff == 5, "said: 1 user, 1 interaction; cut-offs 7 and 5");
	ok(p.valid[0] == 3 && p.test[0] == 4 && p.valid[1] == 7 && p.test[1] == 7 &&
		p.valid[2] == -1 && p.test[2] == -1 && p.valid[3] == 11 && p.test[3] == -1,
		"slices: user 1 [3, 4) [4, 6); user 2 none and [7, 8); 4 none; 5 [11, 12)");
	int late = 0;
	for (int64_t u = 0; u < p.n_users; u++)
		for (int64_t z = p.offsets[u]; z < prep_train_end(&p, u); z++)
			late += p.times[z] >= 5;
	ok(late == 0 && st.train == 7, "no training interaction at or after 5: 7 of them");
	ok(st.valid == 2 && st.test == 2 && st.train_only_users == 1 &&
		st.valid_targets == 2 && st.test_targets == 2, "2 validation, 2 test users");
	ok(prep_targets(&p, 0, 1, &a) == 1 && a == 4 && prep_targets(&p, 1, 0, &a) == 0 &&
		prep_targets(&p, 1, 1, &a) == 1 && a == 7 && prep_targets(&p, 2, 1, &a) == 0 &&
		prep_targets(&p, 3, 0, &a) == 1 && a == 11, "next: one target a slice");
	p.targets_next = 0;
	ok(prep_targets(&p, 0, 1, &a) == 2 && a == 4 && prep_targets(&p, 0, 0, &a) == 1,
		"all: user 1's test targets are its 2 items after 7");

	reread_meta = "split=time\ntargets=all\ncutoff=7\nvalid_cutoff=5\n";
	expect_err(&p, NULL, "", "a temporal split is read back");
	p.valid[2] = 8;
	expect_err(&p, NULL, "record valid: user 2 has no training interaction",
		"a user with nothing before its validation slice");
	p.valid[2] = -1;
	p.test[2] = 9;
	expect_err(&p, NULL, "record valid: user 2 has a test slice but no validation start",
		"a test slice without a validation start");
	p.test[2] = -1;
	p.test[0] = 2;
	expect_err(&p, NULL, "record valid: user 0's validation slice 3 is after its test "
		"slice 2", "slices out of order");
	p.test[0] = 4;
	reread_meta = "split=time\ncutoff=7\nvalid_cutoff=5\n";
	expect_err(&p, NULL, "meta: split=time needs targets=next or targets=all",
		"no targets= line");
	reread_meta = "split=time\ntargets=next\ncutoff=5\nvalid_cutoff=5\n";
	expect_err(&p, NULL, "meta: valid_cutoff=5 is not before cutoff=5", "cut-offs out of order");
	reread_meta = NULL;
	prep_free(&p);

	rc = build_time(timeline, "0.8", NULL, 0, &p, &st, err, sizeof err);
	ok(rc == 0 && st.cutoff == 8 && st.valid_cutoff == 5 && p.test[0] == 4 &&
		st.test_targets == 3, "share 0.8 of 13: cut at the 11th time, 8; validation "
		"from the 8th, 5; all targets: 3 (%s)", rc ? err : "ok");
	prep_free(&p);
	rc = build_time(timeline, "7", NULL, 1, &p, &st, err, sizeof err);
	ok(rc == 0 && st.valid_cutoff == 5, "the default validation slice is as long as the "
		"test period: 9 - 7 before 7");
	prep_free(&p);

	const char *bad[][3] = {
		{ "10", NULL, "--cutoff 10: no interaction is at or after it (the last is at "
			"1970-01-01T00:00:09Z, 9)" },
		{ "1", NULL, "--cutoff 1: no interaction is before it (the first is at "
			"1970-01-01T00:00:01Z, 1)" },
		{ "7", "8", "--valid-cutoff 8: not before the cut-off (1970-01-01T00:00:07Z, 7)" },
		{ "7", "1", "--valid-cutoff 1: no interaction is before it, none to train on "
			"(the first is at 1970-01-01T00:00:01Z, 1)" },
		{ "0.4", NULL, "--cutoff 0.4: a validation slice of the same share would leave "
			"nothing to train on; --valid-cutoff sets it" },
		{ "3", NULL, "--cutoff 3: a validation slice as long as the test period (to "
			"1970-01-01T00:00:09Z, 9) would start before the first interaction "
			"(1970-01-01T00:00:01Z, 1); --valid-cutoff sets it" },
		{ "9.5", "7", "--cutoff 9.5: no interaction is at or after it (the last is at "
			"1970-01-01T00:00:09Z, 9)" },
		{ "8", "7", "no user with training history has an interaction in the validation "
			"slice (from 1970-01-01T00:00:07Z, 7 to the cut-off); --valid-cutoff sets "
			"its start" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = build_time(timeline, bad[i][0], bad[i][1], 1, &p, &st, err, sizeof err);
		ok(rc < 0 && strcmp(err, bad[i][2]) == 0, "--cutoff %s --valid-cutoff %s: %s",
			bad[i][0], bad[i][1] ? bad[i][1] : "(default)", rc < 0 ? err : "built");
	}
	rc = build_time("1 11\n1 12\n", "0.5", NULL, 1, &p, &st, err, sizeof err);
	ok(rc < 0 && strcmp(err, "--split time needs times: the input has none (seq, or no "
		"time column)") == 0, "seq input has no times: %s", err);
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
	test_fast_path();
	test_build_paths();
	test_check();
	test_time_cut();
	test_time_split();
	test_utf8();
	return done();
}
