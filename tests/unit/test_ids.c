/* test_ids.c - string ids (lib/data/ids.c): the hash, what an id may be,
 * a typed id and a printed one, the dictionary, the names records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "prep.h"
#include "ratings.h"
#include "tap.h"
#include "tts.h"

/* Values computed apart from this code (tt-stream(5)'s definition in
 * Python): what another language must get. */
static void test_hash(void)
{
	ok(id_hash("sku-1", 5) == 8889304595375260818LL, "hash of sku-1");
	ok(id_hash("c_00042", 7) == 8809725163275141803LL, "hash of c_00042");
	ok(id_hash("42", 2) == 5914465641679232385LL, "hash of 42");
	ok(id_hash("caf\xc3\xa9", 5) == 8097648043719244487LL, "hash of a UTF-8 string");
	int neg = 0;
	char s[16];
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(s, sizeof s, "x%d", i);
		neg |= id_hash(s, (size_t)n) < 0;
	}
	ok(!neg, "63 bits: never negative");
}

static void test_integer(void)
{
	int64_t v = -1;
	ok(id_is_integer("0", 1, &v) && v == 0, "0 is an integer");
	ok(id_is_integer("9223372036854775807", 19, &v) && v == INT64_MAX, "2^63 - 1 is one");
	ok(!id_is_integer("9223372036854775808", 19, &v), "2^63 is not");
	ok(!id_is_integer("007", 3, &v), "a leading zero is not canonical");
	ok(!id_is_integer("-1", 2, &v) && !id_is_integer("+1", 2, &v), "a sign is not");
	ok(!id_is_integer("", 0, &v) && !id_is_integer("1 ", 2, &v), "empty or a blank is not");
}

static void test_text_bad(void)
{
	char longer[300];
	memset(longer, 'a', sizeof longer);
	ok(!id_text_bad("sku-1", 5) && !id_text_bad("caf\xc3\xa9", 5), "strings that are ids");
	ok(!id_text_bad(longer, 255), "255 bytes is an id");
	ok(id_text_bad(longer, 256) && !strcmp(id_text_bad(longer, 256),
		"is longer than 255 bytes"), "256 bytes is not");
	ok(!strcmp(id_text_bad("", 0), "is empty"), "empty");
	ok(!strcmp(id_text_bad("#A100", 5), "begins with '#', which starts a comment in lists of ids") &&
		!id_text_bad("A#100", 5), "a '#' first, which lists of ids take for a comment; inside, a byte");
	ok(!strcmp(id_text_bad("a\tb", 3), "holds a control character") &&
		!strcmp(id_text_bad("a\nb", 3), "holds a control character") &&
		!strcmp(id_text_bad("a\0b", 3), "holds a control character"),
		"tab, newline, NUL");
	ok(!strcmp(id_text_bad("\xff", 1), "is not valid UTF-8") &&
		!strcmp(id_text_bad("\xc3", 1), "is not valid UTF-8"), "bytes that are not UTF-8");
}

static void test_parse_and_name(void)
{
	char err[256], buf[ID_BUF];
	int64_t id = 0;
	ok(id_parse("sku-1", 1, "item", &id, err, sizeof err) == 0 &&
		id == 8889304595375260818LL, "a typed string id is its hash");
	ok(id_parse("42", 1, "item", &id, err, sizeof err) == 0 &&
		id == 5914465641679232385LL, "of a textual side, digits are text too");
	ok(id_parse("42", 0, "item", &id, err, sizeof err) == 0 && id == 42, "an integer");
	ok(id_parse("0042", 0, "item", &id, err, sizeof err) == 0 && id == 42,
		"leading zeros, of an integer side");
	ok(id_parse("sku-1", 0, "item", &id, err, sizeof err) < 0 && !strcmp(err,
		"item id 'sku-1' is not a non-negative integer (the data's item ids are integers)"),
		"a string for an integer side: %s", err);
	ok(id_parse("a\tb", 1, "user", &id, err, sizeof err) < 0 &&
		!strcmp(err, "user id 'a\\x09b' holds a control character"), "%s", err);
	char *names[] = { "sku-1", "sku-2" };
	int64_t ids[] = { 7, 9 };
	ok(!strcmp(id_name(names, ids, 1, buf), "sku-2"), "a name by index");
	ok(!strcmp(id_name(NULL, ids, 1, buf), "9"), "an integer printed");
}

static void test_dict(void)
{
	id_dict *d = id_dict_new(63);
	const char *other = NULL;
	int64_t a, b, c, a2;
	ok(id_dict_add(d, "sku-1", 5, &a, &other) == 0 && id_dict_add(d, "sku-2", 5, &b,
		&other) == 0 && id_dict_add(d, "sku-1", 5, &a2, &other) == 0 && a == 0 &&
		b == 1 && a2 == 0 && id_dict_count(d) == 2, "first appearance numbers the strings");
	ok(id_dict_id(d, 0) == id_hash("sku-1", 5) && !strcmp(id_dict_name(d, 1), "sku-2"),
		"each index's id and string");
	/* many strings: the table grows, the cache is overwritten */
	char s[32];
	int bad = 0;
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(s, sizeof s, "user-%d", i);
		bad |= id_dict_add(d, s, (size_t)n, &c, &other) != 0 || c != i + 2;
	}
	for (int i = 0; i < 100000; i += 7) {
		int n = snprintf(s, sizeof s, "user-%d", i);
		bad |= id_dict_add(d, s, (size_t)n, &c, &other) != 0 || c != i + 2;
	}
	ok(!bad && id_dict_count(d) == 100002, "100,000 strings, each found again");
	int64_t ids[] = { 1, 0 };
	char **names = NULL;
	ok(id_dict_resolve(d, ids, 2, &names) == 0 && ids[0] == id_hash("sku-2", 5) &&
		ids[1] == id_hash("sku-1", 5) && !strcmp(names[0], "sku-2") &&
		!strcmp(names[1], "sku-1"), "indices resolved to ids and names");
	names_free(names, 2);
	id_dict_free(d);
	/* a narrow hash, so that two strings collide */
	d = id_dict_new(4);
	int rc = 0, i;
	for (i = 0; i < 40 && rc == 0; i++) {
		int n = snprintf(s, sizeof s, "s%d", i);
		rc = id_dict_add(d, s, (size_t)n, &c, &other);
	}
	ok(rc == -1 && other && strcmp(other, s) != 0 &&
		(id_hash(other, strlen(other)) & 15) == (id_hash(s, strlen(s)) & 15),
		"two strings of one hash: refused, the other named (%s, %s)", s, other);
	id_dict_free(d);
}

/* The names records through a stream and back, and what a reader checks. */
static void test_names_records(void)
{
	char path[] = "/tmp/test_ids_XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+b");
	tts_writer *w = tts_writer_open(f, 1);
	prep p = { 0 };
	char *un[] = { "c_1", "c_2" }, *in[] = { "sku-1", "7", "caf\xc3\xa9" };
	int64_t uids[] = { id_hash("c_1", 3), id_hash("c_2", 3) };
	int64_t iids[] = { id_hash("sku-1", 5), id_hash("7", 1), id_hash("caf\xc3\xa9", 5) };
	p.n_users = 2, p.n_items = 3;
	p.user_ids = uids, p.item_ids = iids, p.user_names = un, p.item_names = in;
	ok(tts_write_meta(w, "kind=test\n") == 0 && ids_write(w, &p) == 0 &&
		tts_writer_close(w, err, sizeof err) == 0 && fflush(f) == 0,
		"ids written with their names");
	rewind(f);
	tts_reader *r = tts_reader_open(f);
	tts_header h;
	prep q = { 0 };
	q.n_users = 2, q.n_items = 3;
	int rc = 0, n = 0;
	while (rc >= 0 && tts_next(r, &h) == 1)
		if (strcmp(h.name, "meta") != 0 &&
		    (rc = ids_read_record(r, &h, &q, err, sizeof err)) == 1)
			n++;
	ok(n == 4 && q.user_names && q.item_names && !strcmp(q.user_names[1], "c_2") &&
		!strcmp(q.item_names[2], "caf\xc3\xa9") && ids_check_unique(&q, err, sizeof err) == 0,
		"read back, in order, checked: %s", rc < 0 ? err : "ok");
	q.item_ids[1] = 7; /* an id that is not the name's hash */
	ok(ids_check_unique(&q, err, sizeof err) < 0 && !strcmp(err, "record item_names: "
		"line 2: '7' is not the name of id 7 (its hash is 4428989911038767811)"),
		"a name that is not its id's: %s", err);
	tts_reader_close(r);
	prep_free(&q);
	fclose(f);
	unlink(path);
}

/* The parser: a column of integers that meets a string becomes strings,
 * the integers read before it their text. */
static void test_mixed_column(void)
{
	rating_array a = { 0 };
	ratings_parser *p = ratings_parser_new(RF_AUTO, NULL, 0, &a);
	const char *text = "1::5::4::100\n1::sku-1::3::101\n2::5::4::102\n";
	const char *first;
	int rc = ratings_begin(p, "t") || ratings_feed(p, text, strlen(text)) ||
		ratings_end(p);
	id_dict *d = ratings_take_ids(p, IDS_ITEM);
	ok(rc == 0 && !ratings_ids_textual(p, IDS_USER) && ratings_ids_textual(p, IDS_ITEM) &&
		a.n == 3 && a.v[0].user == 1 && d && id_dict_count(d) == 2 &&
		a.v[0].item == 0 && a.v[1].item == 1 && a.v[2].item == 0 &&
		!strcmp(id_dict_name(d, 0), "5") && id_dict_id(d, 1) == id_hash("sku-1", 5) &&
		ratings_ids_mixed(p, IDS_ITEM, &first) == 2 && !strcmp(first, "t:2: 'sku-1'"),
		"a mixed column is strings: %s", rc ? ratings_error(p) : "ok");
	id_dict_free(d);
	ratings_parser_free(p);
	rating_array_free(&a);
}

int main(void)
{
	test_hash();
	test_integer();
	test_text_bad();
	test_parse_and_name();
	test_dict();
	test_names_records();
	test_mixed_column();
	return done();
}
