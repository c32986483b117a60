/*
 * test_tts.c - tensor streams: round trips, pieces, frames, truncation,
 * corruption and hostile headers.
 *
 * With "--write-sample FILE" it writes the small stream with known values
 * that tests/t1000-tt-dump.sh inspects, and exits.
 */
#include "tap.h"
#include "tts.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

typedef struct {
	unsigned char *p;
	size_t n;
} bytes;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		perror("malloc");
		exit(99);
	}
	return p;
}

/* A FILE holding exactly these bytes, read through read(2) (tmpfile) or
 * through stdio (fmemopen has no file descriptor). */
static FILE *input_of(bytes b, int use_stdio)
{
	if (use_stdio && b.n > 0)
		return fmemopen(b.p, b.n, "rb");
	FILE *f = tmpfile();
	if (!f || (b.n && fwrite(b.p, 1, b.n, f) != b.n)) {
		perror("tmpfile");
		exit(99);
	}
	rewind(f);
	return f;
}

static bytes slurp(FILE *f)
{
	bytes b;
	long n;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror("ftell");
		exit(99);
	}
	rewind(f);
	b.n = (size_t)n;
	b.p = xmalloc(b.n);
	if (b.n && fread(b.p, 1, b.n, f) != b.n) {
		perror("fread");
		exit(99);
	}
	return b;
}

static bytes concat(bytes a, bytes b)
{
	bytes c = { xmalloc(a.n + b.n), a.n + b.n };
	memcpy(c.p, a.p, a.n);
	memcpy(c.p + a.n, b.p, b.n);
	return c;
}

/* Compress raw decompressed bytes into one frame, checksum on. */
static bytes frame_of(const void *raw, size_t n)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	bytes b = { xmalloc(ZSTD_compressBound(n)), 0 };
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	b.n = ZSTD_compress2(c, b.p, ZSTD_compressBound(n), raw, n);
	if (ZSTD_isError(b.n)) {
		fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(b.n));
		exit(99);
	}
	ZSTD_freeCCtx(c);
	return b;
}

/* ---- raw record building, for hand-made and hostile streams ---- */

typedef struct {
	unsigned char p[4096];
	size_t n;
} raw;

static void raw_put(raw *r, const void *p, size_t n)
{
	if (r->n + n > sizeof r->p)
		abort();
	memcpy(r->p + r->n, p, n);
	r->n += n;
}

static void raw_header(raw *r, int version, int dtype, int rank,
	unsigned namelen, const uint64_t *dims, const char *name)
{
	unsigned char h[8] = { 'T', 'T', 'S', (unsigned char)version,
		(unsigned char)dtype, (unsigned char)rank,
		(unsigned char)(namelen & 0xff), (unsigned char)(namelen >> 8) };
	raw_put(r, h, 8);
	if (dims) /* NULL: a header cut short after its first 8 bytes */
		raw_put(r, dims, 8 * (size_t)rank);
	if (name)
		raw_put(r, name, strlen(name));
}

static void raw_end(raw *r)
{
	raw_header(r, 1, TTS_END, 0, 0, NULL, NULL);
}

/* Read a stream to its end; returns the last tts_next result and copies
 * the error message. */
static int drain(bytes b, int use_stdio, char *err, size_t errlen,
	int *nrecords)
{
	FILE *f = input_of(b, use_stdio);
	tts_reader *r = tts_reader_open(f);
	tts_header h;
	int rc, n = 0;
	while ((rc = tts_next(r, &h)) == 1) {
		n++;
		if (n % 2 == 0) { /* read some records, skip others */
			void *d = tts_read_alloc(r, &h, 0);
			if (!d) {
				rc = -1;
				break;
			}
			free(d);
		}
	}
	snprintf(err, errlen, "%s", tts_reader_error(r));
	if (nrecords)
		*nrecords = n;
	tts_reader_close(r);
	fclose(f);
	return rc;
}

static int close_ok(tts_writer *w)
{
	char err[256];
	int rc = tts_writer_close(w, err, sizeof err);
	if (rc < 0)
		diag("close: %s", err);
	return rc == 0;
}

/* ---- tests ---- */

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed * 7 + (i >> 8));
}

static void test_round_trip(void)
{
	static const uint64_t dimset[8] = { 2, 3, 1, 2, 1, 1, 2, 1 };
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	unsigned char data[512];
	char name[32];
	int ok_write = 1;

	ok_write &= tts_write_meta(w, "kind=test\nproducer=test_tts\n") == 0;
	for (int dt = TTS_U8; dt <= TTS_TEXT; dt++)
		for (int rank = 0; rank <= TTS_MAX_RANK; rank++) {
			if (dt == TTS_TEXT && rank != 1)
				continue;
			snprintf(name, sizeof name, "%s_r%d", tts_dtype_name(dt), rank);
			fill_pattern(data, sizeof data, (unsigned)(dt * 10 + rank));
			ok_write &= tts_write(w, name, dt, rank, dimset, data) == 0;
		}
	ok(ok_write && close_ok(w), "write every dtype and rank 0..8");

	for (int stdio = 0; stdio <= 1; stdio++) {
		bytes b = slurp(f);
		FILE *in = input_of(b, stdio);
		tts_reader *r = tts_reader_open(in);
		tts_header h;
		int good = tts_next(r, &h) == 1 && strcmp(h.name, "meta") == 0 &&
			h.dtype == TTS_TEXT;
		char *meta = tts_read_alloc(r, &h, 1000);
		good &= meta && strcmp(meta, "kind=test\nproducer=test_tts\n") == 0;
		free(meta);
		for (int dt = TTS_U8; dt <= TTS_TEXT; dt++)
			for (int rank = 0; rank <= TTS_MAX_RANK; rank++) {
				if (dt == TTS_TEXT && rank != 1)
					continue;
				uint64_t count = 1;
				for (int i = 0; i < rank; i++)
					count *= dimset[i];
				snprintf(name, sizeof name, "%s_r%d", tts_dtype_name(dt), rank);
				fill_pattern(data, sizeof data, (unsigned)(dt * 10 + rank));
				unsigned char back[512];
				if (tts_next(r, &h) != 1 || strcmp(h.name, name) != 0 ||
				    h.dtype != dt || h.rank != rank || h.count != count ||
				    h.nbytes != count * tts_dtype_size(dt) ||
				    memcmp(h.dims, dimset, 8 * (size_t)rank) != 0 ||
				    tts_read_data(r, back, h.nbytes) != 0 ||
				    memcmp(back, data, h.nbytes) != 0) {
					diag("record %s: %s", name, tts_reader_error(r));
					good = 0;
				}
			}
		good &= tts_next(r, &h) == 0 && tts_next(r, &h) == 0;
		ok(good, "read back every dtype and rank (%s)",
			stdio ? "stdio" : "read(2)");
		tts_reader_close(r);
		fclose(in);
		free(b.p);
	}
	fclose(f);
}

static void test_empty_tensors(void)
{
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	uint64_t dims[3] = { 3, 0, 4 };
	int wrote = tts_write(w, "empty", TTS_F32, 3, dims, NULL) == 0 &&
		tts_write_text(w, "blank", "") == 0 &&
		tts_write(w, "after", TTS_I32, 0, NULL, &(int32_t){ 42 }) == 0;
	ok(wrote && close_ok(w), "write empty tensors");
	bytes b = slurp(f);
	FILE *in = input_of(b, 0);
	tts_reader *r = tts_reader_open(in);
	tts_header h;
	int32_t v = 0;
	int good = tts_next(r, &h) == 1 && h.count == 0 && h.nbytes == 0 &&
		h.dims[1] == 0 && h.dims[2] == 4;
	char *blank = NULL;
	good = good && tts_next(r, &h) == 1 && h.rank == 1 && h.dims[0] == 0 &&
		(blank = tts_read_alloc(r, &h, 0)) && blank[0] == '\0';
	free(blank);
	good = good && tts_next(r, &h) == 1 && h.rank == 0 && h.count == 1 &&
		tts_read_data(r, &v, 4) == 0 && v == 42 && tts_next(r, &h) == 0;
	ok(good, "read back empty tensors and a scalar");
	tts_reader_close(r);
	fclose(in);
	fclose(f);
	free(b.p);
}

static float random_float(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((double)(*state >> 11) / 9007199254740992.0 - 0.5);
}

static void test_large(void)
{
	const uint64_t n = 5u << 20; /* 20 MiB of f32, beyond the zstd window */
	float *x = xmalloc(n * sizeof *x);
	uint64_t st = 1;
	for (uint64_t i = 0; i < n; i++)
		x[i] = random_float(&st);
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	uint64_t dims[2] = { n / 64, 64 };
	ok(tts_write(w, "big", TTS_F32, 2, dims, x) == 0 && close_ok(w),
		"write a 20 MiB record");
	bytes b = slurp(f);
	for (int how = 0; how < 2; how++) {
		FILE *in = input_of(b, how);
		tts_reader *r = tts_reader_open(in);
		tts_header h;
		float *y = NULL;
		int good = tts_next(r, &h) == 1 && h.nbytes == n * sizeof *x;
		if (good && how == 0) {
			y = xmalloc(h.nbytes);
			good = tts_read_data(r, y, h.nbytes) == 0;
		} else if (good) {
			good = (y = tts_read_alloc(r, &h, 0)) != NULL;
		}
		good = good && memcmp(x, y, n * sizeof *x) == 0 &&
			tts_next(r, &h) == 0;
		ok(good, "20 MiB record read back exactly (%s)",
			how ? "tts_read_alloc" : "tts_read_data");
		if (!good)
			diag("%s", tts_reader_error(r));
		free(y);
		tts_reader_close(r);
		fclose(in);
	}
	free(b.p);
	free(x);
	fclose(f);
}

static void test_many_small(void)
{
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	int good = 1;
	for (int32_t i = 0; i < 10000; i++) {
		char name[16];
		snprintf(name, sizeof name, "r%d", i % 7);
		good &= tts_write(w, name, TTS_I32, 0, NULL, &i) == 0;
	}
	ok(good && close_ok(w), "write 10000 small records");
	bytes b = slurp(f);
	FILE *in = input_of(b, 0);
	tts_reader *r = tts_reader_open(in);
	tts_header h;
	int32_t i = 0, v;
	while (tts_next(r, &h) == 1) {
		char name[16];
		snprintf(name, sizeof name, "r%d", i % 7);
		if (strcmp(h.name, name) != 0 || tts_read_data(r, &v, 4) != 0 || v != i)
			break;
		i++;
	}
	ok(i == 10000 && tts_reader_error(r)[0] == '\0',
		"read 10000 small records back (%d)", i);
	tts_reader_close(r);
	fclose(in);
	fclose(f);
	free(b.p);
}

static size_t count_frames(bytes b)
{
	size_t frames = 0;
	for (size_t at = 0; at < b.n; frames++) {
		size_t n = ZSTD_findFrameCompressedSize(b.p + at, b.n - at);
		if (ZSTD_isError(n))
			return 0;
		at += n;
	}
	return frames;
}

static bytes flushed_stream(int32_t base)
{
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	for (int32_t i = 0; i < 3; i++) {
		int32_t v = base + i;
		tts_write(w, "v", TTS_I32, 0, NULL, &v);
		tts_flush(w);
	}
	tts_flush(w); /* nothing new: no empty frame */
	close_ok(w);
	bytes b = slurp(f);
	fclose(f);
	return b;
}

static void test_frames(void)
{
	bytes a = flushed_stream(10), b = flushed_stream(20);
	ok(count_frames(a) == 4, "tts_flush ends frames (%zu frames)", count_frames(a));
	bytes ab = concat(a, b);
	FILE *in = input_of(ab, 0);
	tts_reader *r = tts_reader_open(in);
	tts_header h;
	int32_t v, sum = 0;
	int n = 0;
	while (tts_next(r, &h) == 1 && tts_read_data(r, &v, 4) == 0) {
		sum += v;
		n++;
	}
	ok(n == 3 && sum == 33 && tts_next(r, &h) == 0 &&
		tts_reader_error(r)[0] == '\0',
		"two streams catted: the reader stops at the first end record");
	tts_reader_close(r);
	fclose(in);

	/* Records span frames: split the raw bytes inside the data of a record. */
	raw x = { .n = 0 };
	uint64_t dim = 100;
	unsigned char data[100];
	fill_pattern(data, 100, 3);
	raw_header(&x, 1, TTS_U8, 1, 4, &dim, "span");
	raw_put(&x, data, 100);
	raw_end(&x);
	int good = 1;
	for (size_t cut = 1; cut < x.n; cut += 7) {
		bytes f1 = frame_of(x.p, cut), f2 = frame_of(x.p + cut, x.n - cut);
		bytes both = concat(f1, f2);
		in = input_of(both, cut & 1);
		r = tts_reader_open(in);
		unsigned char back[100];
		if (tts_next(r, &h) != 1 || tts_read_data(r, back, 100) != 0 ||
		    memcmp(back, data, 100) != 0 || tts_next(r, &h) != 0) {
			diag("cut at %zu: %s", cut, tts_reader_error(r));
			good = 0;
		}
		tts_reader_close(r);
		fclose(in);
		free(f1.p);
		free(f2.p);
		free(both.p);
	}
	ok(good, "records span frames, whatever the cut");
	free(a.p);
	free(b.p);
	free(ab.p);
}

static void test_pieces(void)
{
	const size_t n = 1000003;
	unsigned char *data = xmalloc(n), *back = xmalloc(n);
	fill_pattern(data, n, 5);
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	uint64_t dim = n;
	int wrote = tts_write_begin(w, "p", TTS_U8, 1, &dim) == 0;
	for (size_t at = 0, piece = 1; at < n; piece = piece * 3 + 1) {
		size_t k = piece < n - at ? piece : n - at;
		wrote &= tts_write_data(w, data + at, k) == 0;
		at += k;
	}
	wrote &= tts_write(w, "q", TTS_U8, 1, &dim, data) == 0;
	ok(wrote && close_ok(w), "write a record in pieces");
	bytes b = slurp(f);
	static const size_t sizes[] = { 1, 7, 13, 4095, 65537, 3, 200001, 11 };
	for (int stdio = 0; stdio <= 1; stdio++) {
		FILE *in = input_of(b, stdio);
		tts_reader *r = tts_reader_open(in);
		tts_header h;
		int good = tts_next(r, &h) == 1;
		for (size_t at = 0, i = 0; good && at < n; i++) {
			size_t k = sizes[i % 8] < n - at ? sizes[i % 8] : n - at;
			good = tts_read_data(r, back + at, k) == 0;
			at += k;
		}
		good = good && memcmp(back, data, n) == 0;
		/* Read only part of q: tts_next skips the rest. */
		good = good && tts_next(r, &h) == 1 && tts_read_data(r, back, 777) == 0 &&
			memcmp(back, data, 777) == 0 && tts_next(r, &h) == 0;
		ok(good, "read in odd pieces, skip the rest (%s)",
			stdio ? "stdio" : "read(2)");
		ok(tts_read_data(r, back, 1) == -1, "reading data after the end record fails");
		tts_reader_close(r);
		fclose(in);
	}
	/* Reading past the end of a record is an error, not a wrong read. */
	FILE *in = input_of(b, 0);
	tts_reader *r = tts_reader_open(in);
	tts_header h;
	ok(tts_next(r, &h) == 1 && tts_read_data(r, back, n + 1) == -1 &&
		strstr(tts_reader_error(r), "left") != NULL,
		"reading past a record's data fails: %s", tts_reader_error(r));
	tts_reader_close(r);
	fclose(in);
	free(b.p);
	fclose(f);
	free(data);
	free(back);
}

/* A small stream of three frames with a meta record. */
static bytes small_stream(void)
{
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	float m[6] = { 1, 2, 3, 4, 5, 6 };
	uint64_t dims[2] = { 2, 3 };
	tts_write_meta(w, "kind=test\n");
	tts_write(w, "m", TTS_F32, 2, dims, m);
	tts_flush(w);
	tts_write_text(w, "note", "hello");
	close_ok(w);
	bytes b = slurp(f);
	fclose(f);
	return b;
}

static void test_truncation(void)
{
	bytes b = small_stream();
	char err[512];
	int good = 1;
	for (size_t len = 0; len < b.n; len++) {
		bytes p = { b.p, len };
		int rc = drain(p, len & 1, err, sizeof err, NULL);
		if (rc != -1 || !strstr(err, "truncated")) {
			diag("prefix %zu: rc %d: %s", len, rc, err);
			good = 0;
		}
	}
	ok(good, "every prefix of a %zu byte stream is truncated", b.n);
	ok(drain(b, 0, err, sizeof err, NULL) == 0, "the whole stream is fine");

	/* Truncated decompressed content, in complete frames. */
	raw x = { .n = 0 };
	uint64_t dims[2] = { 2, 2 };
	float v[4] = { 1, 2, 3, 4 };
	raw_header(&x, 1, TTS_F32, 2, 1, dims, "a");
	raw_put(&x, v, sizeof v);
	raw_end(&x);
	good = 1;
	for (size_t len = 0; len < x.n; len++) {
		bytes fr = frame_of(x.p, len);
		int rc = drain(fr, 0, err, sizeof err, NULL);
		if (rc != -1 || !strstr(err, "truncated")) {
			diag("content prefix %zu: rc %d: %s", len, rc, err);
			good = 0;
		}
		free(fr.p);
	}
	ok(good, "every prefix of the records is truncated");
	bytes fr = frame_of(x.p, x.n - 8);
	drain(fr, 0, err, sizeof err, NULL);
	ok(strcmp(err, "truncated stream: no end record") == 0,
		"no end record: %s", err);
	free(fr.p);
	free(b.p);
}

static void test_corruption(void)
{
	bytes b = small_stream();
	char err[512];
	int good = 1, detected = 0;
	for (size_t i = 0; i < b.n; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			bytes c = { xmalloc(b.n), b.n };
			memcpy(c.p, b.p, b.n);
			c.p[i] ^= (unsigned char)(1 << bit);
			int rc = drain(c, 0, err, sizeof err, NULL);
			if (rc == -1) {
				detected++;
				if (!strstr(err, "corrupt") && !strstr(err, "truncated") &&
				    !strstr(err, "not a tensor stream") &&
				    !strstr(err, "record")) {
					diag("byte %zu: unclear message: %s", i, err);
					good = 0;
				}
			}
			free(c.p);
		}
	}
	ok(good, "flipped bits: clear errors, no crash (%d of %zu detected)",
		detected, 2 * b.n);
	bytes c = { xmalloc(b.n), b.n };
	memcpy(c.p, b.p, b.n);
	c.p[b.n - 1] ^= 0x55; /* the content checksum of the last frame */
	ok(drain(c, 0, err, sizeof err, NULL) == -1 && strstr(err, "corrupt"),
		"checksum error: %s", err);
	free(c.p);
	free(b.p);
}

static void hostile(const char *what, const raw *x, const char *expect)
{
	char err[512];
	bytes fr = frame_of(x->p, x->n);
	int rc = drain(fr, 0, err, sizeof err, NULL);
	ok(rc == -1 && strstr(err, expect) != NULL, "%s: %s", what, err);
	free(fr.p);
}

static void test_hostile(void)
{
	raw x;
	uint64_t dims[8] = { 1ULL << 40, 1ULL << 40, 1ULL << 40 };

	x.n = 0;
	raw_header(&x, 1, TTS_F32, 255, 1, NULL, NULL);
	hostile("rank 255", &x, "rank 255");

	x.n = 0;
	raw_header(&x, 1, TTS_F32, 1, 65535, dims, NULL);
	hostile("name length 65535", &x, "name length 65535");

	x.n = 0;
	raw_header(&x, 1, TTS_F32, 3, 3, dims, "big");
	raw_end(&x);
	hostile("product overflows", &x, "overflow");

	x.n = 0;
	uint64_t huge[2] = { 1ULL << 47, 1ULL << 13 };
	raw_header(&x, 1, TTS_U8, 2, 4, huge, "huge");
	raw_end(&x);
	hostile("2^60 bytes", &x, "larger than 2^56");

	x.n = 0;
	uint64_t wide = (1ULL << 48) + 1;
	raw_header(&x, 1, TTS_U8, 1, 4, &wide, "wide");
	hostile("dimension > 2^48", &x, "dimension");

	x.n = 0;
	raw_header(&x, 1, 99, 0, 1, NULL, "x");
	hostile("dtype 99", &x, "unknown dtype 99");

	x.n = 0;
	raw_header(&x, 1, TTS_U8, 0, 3, NULL, "a/b");
	hostile("name with a slash", &x, "'/'");

	x.n = 0;
	raw_header(&x, 1, TTS_U8, 0, 3, NULL, "a\nb");
	hostile("name with a newline", &x, "control");

	x.n = 0;
	raw_header(&x, 1, TTS_TEXT, 2, 1, dims, "t");
	hostile("text of rank 2", &x, "rank");

	x.n = 0;
	raw_header(&x, 2, TTS_U8, 0, 1, NULL, "x");
	hostile("version 2", &x, "unsupported stream version 2");

	x.n = 0;
	raw_put(&x, "XYZ\1abcdefgh", 12);
	hostile("wrong magic", &x, "not a tensor stream");

	x.n = 0;
	raw_put(&x, "TTS\1\0\1\0\0", 8);
	hostile("end record with a rank", &x, "end record");

	x.n = 0;
	raw_end(&x);
	raw_put(&x, "junk", 4);
	hostile("data after the end record", &x, "after the end record");

	char err[512];
	static char text[] = "this is a text file, not a tensor stream\n";
	bytes t = { (unsigned char *)text, sizeof text - 1 };
	ok(drain(t, 0, err, sizeof err, NULL) == -1 &&
		strstr(err, "not a tensor stream"), "plain text: %s", err);
	bytes t2 = { (unsigned char *)text, 2 };
	ok(drain(t2, 0, err, sizeof err, NULL) == -1 &&
		strstr(err, "not a tensor stream"), "two bytes of text: %s", err);

	/* tts_read_alloc refuses more than its limit, before allocating. */
	x.n = 0;
	uint64_t k = 1000;
	unsigned char zeros[1000] = { 0 };
	raw_header(&x, 1, TTS_U8, 1, 1, &k, "z");
	raw_put(&x, zeros, sizeof zeros);
	raw_end(&x);
	bytes fr = frame_of(x.p, x.n);
	FILE *in = input_of(fr, 0);
	tts_reader *r = tts_reader_open(in);
	tts_header h;
	ok(tts_next(r, &h) == 1 && tts_read_alloc(r, &h, 999) == NULL &&
		strstr(tts_reader_error(r), "limit"), "read_alloc limit: %s",
		tts_reader_error(r));
	tts_reader_close(r);
	fclose(in);
	free(fr.p);

	/* A header that promises 1 GiB over 1000 bytes: a truncated stream,
	 * and the buffer never ran more than 64 MiB ahead of the data. */
	x.n = 0;
	uint64_t gib = 1ULL << 30;
	raw_header(&x, 1, TTS_U8, 1, 1, &gib, "z");
	raw_put(&x, zeros, sizeof zeros);
	fr = frame_of(x.p, x.n);
	in = input_of(fr, 0);
	r = tts_reader_open(in);
	void *buf = NULL;
	size_t cap = 0;
	ok(tts_next(r, &h) == 1 && tts_read_into(r, &h, &buf, &cap) == -1 &&
		strstr(tts_reader_error(r), "truncated") && cap <= (64u << 20) + 1,
		"read_into a promise of 1 GiB: %s, %zu bytes held", tts_reader_error(r), cap);
	free(buf);
	tts_reader_close(r);
	fclose(in);
	free(fr.p);

	/* tts_read_into keeps a big enough buffer for the next record. */
	x.n = 0;
	uint64_t five = 5;
	raw_header(&x, 1, TTS_U8, 1, 1, &k, "a");
	raw_put(&x, zeros, sizeof zeros);
	raw_header(&x, 1, TTS_U8, 1, 1, &five, "b");
	raw_put(&x, "hello", 5);
	raw_end(&x);
	fr = frame_of(x.p, x.n);
	in = input_of(fr, 0);
	r = tts_reader_open(in);
	buf = NULL;
	cap = 0;
	void *first = NULL;
	ok(tts_next(r, &h) == 1 && tts_read_into(r, &h, &buf, &cap) == 0 && cap == 1001 &&
		(first = buf) && tts_next(r, &h) == 1 && tts_read_into(r, &h, &buf, &cap) == 0 &&
		buf == first && cap == 1001 && memcmp(buf, "hello", 5) == 0,
		"read_into reuses its buffer");
	free(buf);
	tts_reader_close(r);
	fclose(in);
	free(fr.p);
}

static void test_writer_refuses(void)
{
	static const struct {
		const char *name;
		int dtype, rank;
		const char *expect;
	} bad[] = {
		{ "a/b", TTS_U8, 0, "'/'" },
		{ "", TTS_U8, 0, "empty name" },
		{ "tab\there", TTS_U8, 0, "control" },
		{ "r", TTS_U8, 9, "rank" },
		{ "t", TTS_TEXT, 2, "rank" },
		{ "e", TTS_END, 0, "dtype" },
		{ "x", 42, 0, "dtype" },
	};
	uint64_t dims[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *f = tmpfile();
		tts_writer *w = tts_writer_open(f, 0);
		char err[256];
		int rc = tts_write(w, bad[i].name, bad[i].dtype, bad[i].rank, dims, "x");
		int closed = tts_writer_close(w, err, sizeof err);
		ok(rc == -1 && closed == -1 && strstr(err, bad[i].expect),
			"writer refuses '%s': %s", bad[i].name, err);
		fclose(f);
	}
	FILE *f = tmpfile();
	tts_writer *w = tts_writer_open(f, 0);
	char err[256];
	ok(tts_write_meta(w, "producer=x\n") == -1 &&
		tts_writer_close(w, err, sizeof err) == -1,
		"meta must start with kind=: %s", err);
	fclose(f);
	f = tmpfile();
	w = tts_writer_open(f, 0);
	uint64_t d = 10;
	tts_write_begin(w, "short", TTS_U8, 1, &d);
	tts_write_data(w, "12345", 5);
	ok(tts_writer_close(w, err, sizeof err) == -1 && strstr(err, "missing"),
		"an unfinished record fails close: %s", err);
	fclose(f);
}

static void test_copy(void)
{
	bytes b = small_stream();
	FILE *in = input_of(b, 0), *out = tmpfile();
	tts_reader *r = tts_reader_open(in);
	tts_writer *w = tts_writer_open(out, 19);
	tts_header h;
	int rc, good = 1;
	while ((rc = tts_next(r, &h)) == 1)
		good &= tts_copy_record(r, &h, w) == 0;
	ok(rc == 0 && good && close_ok(w), "copy every record");
	tts_reader_close(r);
	fclose(in);
	bytes c = slurp(out);
	fclose(out);
	in = input_of(c, 0);
	r = tts_reader_open(in);
	float m[6];
	char *note = NULL;
	ok(tts_next(r, &h) == 1 && strcmp(h.name, "meta") == 0 &&
		tts_next(r, &h) == 1 && h.rank == 2 && h.dims[1] == 3 &&
		tts_read_data(r, m, sizeof m) == 0 && m[5] == 6 &&
		tts_next(r, &h) == 1 && (note = tts_read_alloc(r, &h, 0)) &&
		strcmp(note, "hello") == 0 && tts_next(r, &h) == 0,
		"copied records read back the same");
	free(note);
	tts_reader_close(r);
	fclose(in);

	/* A big record copies in pieces. */
	const size_t n = 3000000;
	unsigned char *data = xmalloc(n), *back = xmalloc(n);
	fill_pattern(data, n, 9);
	FILE *f1 = tmpfile(), *f2 = tmpfile();
	w = tts_writer_open(f1, 1);
	uint64_t dim = n;
	tts_write(w, "big", TTS_U8, 1, &dim, data);
	close_ok(w);
	rewind(f1);
	r = tts_reader_open(f1);
	w = tts_writer_open(f2, 1);
	good = tts_next(r, &h) == 1 && tts_copy_record(r, &h, w) == 0 &&
		tts_next(r, &h) == 0 && close_ok(w);
	tts_reader_close(r);
	rewind(f2);
	r = tts_reader_open(f2);
	good = good && tts_next(r, &h) == 1 && h.nbytes == n &&
		tts_read_data(r, back, n) == 0 && memcmp(back, data, n) == 0;
	ok(good, "copy a 3 MB record");
	tts_reader_close(r);
	fclose(f1);
	fclose(f2);
	free(data);
	free(back);
	free(b.p);
	free(c.p);
}

static void test_meta_get(void)
{
	const char *meta = "kind=prep\nusers=6040\nuser=x\nempty=\nitems=3706\r\nlast=end";
	char v[16];
	ok(tts_meta_get(meta, "kind", v, sizeof v) == 1 && strcmp(v, "prep") == 0,
		"meta kind");
	ok(tts_meta_get(meta, "user", v, sizeof v) == 1 && strcmp(v, "x") == 0,
		"meta key that prefixes another");
	ok(tts_meta_get(meta, "empty", v, sizeof v) == 1 && v[0] == '\0',
		"meta empty value");
	ok(tts_meta_get(meta, "items", v, sizeof v) == 1 && strcmp(v, "3706") == 0,
		"meta CRLF line");
	ok(tts_meta_get(meta, "last", v, sizeof v) == 1 && strcmp(v, "end") == 0,
		"meta last line without newline");
	ok(tts_meta_get(meta, "nope", v, sizeof v) == 0, "meta missing key");
	ok(tts_meta_get(meta, "ser", v, sizeof v) == 0, "meta partial key");
	char small[3];
	ok(tts_meta_get(meta, "users", small, sizeof small) == 1 &&
		strcmp(small, "60") == 0, "meta value cut to the buffer");
}

/* What a reader expects of a record, and its one form of refusal. */
static void test_shape(void)
{
	tts_header h = { .dtype = TTS_U8, .rank = 2, .dims = { 150, 18 } };
	char err[256] = "";
	strcpy(h.name, "genres");
	const tts_shape genres = { TTS_U8, 2, { 150, TTS_UPTO('G', 4096) } };
	ok(tts_check_shape(&h, &genres, err, sizeof err) == 0 && !err[0],
		"a free dimension within its bound passes");
	h.dims[1] = 5000;
	ok(tts_check_shape(&h, &genres, err, sizeof err) < 0 && strcmp(err,
		"record genres: expected u8 (150,G), G <= 4096, not u8 (150,5000)") == 0,
		"a free dimension over its bound: %s", err);
	h.dims[1] = 18;
	h.dims[0] = 149;
	ok(tts_check_shape(&h, &genres, err, sizeof err) < 0 && strcmp(err,
		"record genres: expected u8 (150,G), G <= 4096, not u8 (149,18)") == 0,
		"a fixed dimension differs: %s", err);
	ok(tts_check_shape(&h, &(tts_shape){ TTS_F32, 1, { 149 } }, err, sizeof err) < 0 &&
		strcmp(err, "record genres: expected f32 (149), not u8 (149,18)") == 0,
		"dtype and rank differ: %s", err);
	ok(tts_check_shape(&h, &(tts_shape){ TTS_U8, 2, { TTS_UPTO('B', TTS_MAX_DIM), 18 } },
		err, sizeof err) == 0, "a free dimension without a bound of its own passes");
	ok(tts_check_shape(&h, &(tts_shape){ TTS_TEXT, 1, { TTS_UPTO('T', TTS_MAX_DIM) } },
		err, sizeof err) < 0 && strcmp(err, "record genres: expected text, not u8 (149,18)") == 0,
		"any text expected: %s", err);
	h.dtype = TTS_TEXT;
	h.rank = 1;
	ok(tts_check_shape(&h, &(tts_shape){ TTS_TEXT, 1, { TTS_UPTO('T', TTS_MAX_DIM) } },
		err, sizeof err) == 0, "any text passes");
}

static void test_dtypes(void)
{
	int good = 1;
	for (int dt = TTS_U8; dt <= TTS_TEXT; dt++)
		good &= tts_dtype_parse(tts_dtype_name(dt)) == dt;
	ok(good && tts_dtype_size(TTS_F64) == 8 && tts_dtype_size(77) == 0 &&
		tts_dtype_name(77) == NULL && tts_dtype_parse("f16") == -1,
		"dtype names and sizes");
}

/* A pipe reader sees a flushed record before the writer goes on. */
static void test_pipe_flush(void)
{
	int data[2], go[2];
	if (pipe(data) != 0 || pipe(go) != 0) {
		ok(0, "pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(data[0]);
		close(go[1]);
		FILE *f = fdopen(data[1], "wb");
		tts_writer *w = tts_writer_open(f, 0);
		int32_t one = 1, two = 2;
		char c;
		tts_write(w, "one", TTS_I32, 0, NULL, &one);
		tts_flush(w);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		tts_write(w, "two", TTS_I32, 0, NULL, &two);
		_exit(tts_writer_close(w, NULL, 0) == 0 && fclose(f) == 0 ? 0 : 1);
	}
	close(data[1]);
	close(go[0]);
	alarm(20); /* a reader waiting for a full buffer would hang here */
	FILE *f = fdopen(data[0], "rb");
	tts_reader *r = tts_reader_open(f);
	tts_header h;
	int32_t v1 = 0, v2 = 0;
	int good = tts_next(r, &h) == 1 && tts_read_data(r, &v1, 4) == 0;
	good &= write(go[1], "g", 1) == 1;
	good = good && tts_next(r, &h) == 1 && tts_read_data(r, &v2, 4) == 0 &&
		tts_next(r, &h) == 0;
	alarm(0);
	int status;
	waitpid(pid, &status, 0);
	ok(good && v1 == 1 && v2 == 2 && WIFEXITED(status) &&
		WEXITSTATUS(status) == 0, "a pipe reader gets flushed records at once");
	tts_reader_close(r);
	fclose(f);
	close(go[1]);
}

/* The stream tests/t1000-tt-dump.sh inspects; keep in step with it. */
static int write_sample(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	tts_writer *w = tts_writer_open(f, 0);
	uint8_t u8[4] = { 0, 1, 2, 255 };
	int32_t i32[3] = { -1, 0, 7 };
	int64_t i64[2] = { -5, 1000000000000LL };
	float m[12], m2[4] = { 100, 101, 102, 103.5f }, pi = 3.14159265f;
	double f64[3] = { 0.5, -1.25, 0.1 };
	uint64_t d4 = 4, d3 = 3, d2 = 2, dm[2] = { 3, 4 }, dm2[2] = { 2, 2 },
		de[2] = { 0, 2 };
	for (int i = 0; i < 12; i++)
		m[i] = (float)i;
	tts_write_meta(w, "kind=sample\nproducer=test_tts\n");
	tts_write(w, "bytes", TTS_U8, 1, &d4, u8);
	tts_write(w, "ints", TTS_I32, 1, &d3, i32);
	tts_write(w, "longs", TTS_I64, 1, &d2, i64);
	tts_write(w, "m", TTS_F32, 2, dm, m);
	tts_write(w, "doubles", TTS_F64, 1, &d3, f64);
	tts_write(w, "pi", TTS_F32, 0, NULL, &pi);
	tts_write_text(w, "note", "hello\tworld\n");
	tts_write(w, "empty", TTS_F32, 2, de, NULL);
	tts_flush(w);
	tts_write(w, "m", TTS_F32, 2, dm2, m2);
	char err[256];
	if (tts_writer_close(w, err, sizeof err) < 0 || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-sample") == 0)
		return write_sample(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	test_dtypes();
	test_shape();
	test_round_trip();
	test_empty_tensors();
	test_large();
	test_many_small();
	test_frames();
	test_pieces();
	test_truncation();
	test_corruption();
	test_hostile();
	test_writer_refuses();
	test_copy();
	test_meta_get();
	test_pipe_flush();
	return done();
}
