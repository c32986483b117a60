/*
 * tts_read.c - tensor streams: the reader.  Layout in tt-stream(5); the
 * header checks it shares with the writer are in tts_header.c.
 *
 * Reading decompresses into a buffer that headers are parsed from in
 * place; large data reads decompress straight into the caller's memory.
 * Nothing in a header is trusted before it is checked against the limits
 * in tts.h, and no allocation depends on an unchecked size.
 */
#include "tts.h"
#include "tts_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tensor streams are little-endian; this host is not (see tt-stream(5))"
#endif

#define PIPE_SIZE (1 << 20)
#define READER_IN_BYTES (ZSTD_DStreamInSize() * 8)
#define READER_OUT_BYTES (ZSTD_DStreamOutSize() * 4)
/* Data reads at least this large skip the buffer and decompress directly. */
#define DIRECT_MIN ((size_t)32 << 10)
/* How far a record's buffer may run ahead of its data (tts_read_into). */
#define ALLOC_FIRST ((size_t)64 << 20)

static uint16_t get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- reading ---- */

struct tts_reader {
	FILE *f;
	int fd;              /* read(2) instead of fread, so flushed frames
				arrive without waiting for a full buffer */
	ZSTD_DCtx *dctx;
	unsigned char *in;   /* compressed input */
	ZSTD_inBuffer inb;
	size_t incap;
	unsigned char *out;  /* decompressed bytes [pos, len) not yet used */
	size_t pos, len, outcap;
	int eof;             /* no more input */
	int frame_done;      /* at a zstd frame boundary */
	uint64_t total_in;
	unsigned char first[4]; /* the first input bytes, to spot non-zstd */
	uint64_t remain;     /* unread data bytes of the current record */
	uint64_t records;    /* records seen, for messages */
	int ended;           /* the end record was read */
	const volatile sig_atomic_t *stop; /* a signal seen: a blocked read gives up */
	int stopped;
	char name[TTS_MAX_NAME + 1];
	char err[ERRLEN];    /* sticky */
};

static int rfail(tts_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int rfail(tts_reader *r, const char *fmt, ...)
{
	if (r->err[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof r->err, fmt, ap);
		va_end(ap);
	}
	return -1;
}

tts_reader *tts_reader_open(FILE *f)
{
	if (!tts_host_little_endian()) {
		errno = ENOTSUP;
		return NULL;
	}
	tts_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->f = f;
	r->fd = fileno(f);
#ifdef F_SETPIPE_SZ
	/* A bigger pipe means fewer, larger reads and writes at each end;
	 * best effort: the pipe works the same without. */
	struct stat st;
	if (r->fd >= 0 && fstat(r->fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(r->fd, F_SETPIPE_SZ, PIPE_SIZE);
#endif
	r->incap = READER_IN_BYTES;
	r->outcap = READER_OUT_BYTES;
	r->in = malloc(r->incap);
	r->out = malloc(r->outcap);
	r->dctx = ZSTD_createDCtx();
	r->frame_done = 1;
	r->inb.src = r->in;
	if (!r->in || !r->out || !r->dctx) {
		tts_reader_close(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

size_t tts_reader_bytes(void)
{
	return sizeof(tts_reader) + READER_IN_BYTES + READER_OUT_BYTES;
}

void tts_reader_close(tts_reader *r)
{
	if (!r)
		return;
	ZSTD_freeDCtx(r->dctx);
	free(r->in);
	free(r->out);
	free(r);
}

void tts_reader_stop_on(tts_reader *r, const volatile sig_atomic_t *flag)
{
	r->stop = flag;
}

int tts_reader_stopped(const tts_reader *r)
{
	return r->stopped;
}

const char *tts_reader_error(const tts_reader *r)
{
	return r->err;
}

/* Bytes the FILE has buffered already; they must be used before read(2). */
static size_t stdio_buffered(FILE *f)
{
#ifdef __GLIBC__
	if (f->_IO_read_ptr && f->_IO_read_end > f->_IO_read_ptr)
		return (size_t)(f->_IO_read_end - f->_IO_read_ptr);
#else
	(void)f;
#endif
	return 0;
}

static int read_input(tts_reader *r)
{
	size_t buffered = r->fd >= 0 ? stdio_buffered(r->f) : 0;
	ssize_t n;
	if (r->fd < 0 || buffered) {
		size_t want = buffered && buffered < r->incap ? buffered : r->incap;
		n = (ssize_t)fread(r->in, 1, want, r->f);
		if (n == 0 && ferror(r->f))
			return rfail(r, "read error: %s", strerror(errno));
	} else {
		do
			n = read(r->fd, r->in, r->incap);
		while (n < 0 && errno == EINTR && !(r->stop && *r->stop));
		if (n < 0 && errno == EINTR) {
			r->stopped = 1;
			return rfail(r, "interrupted while waiting for input");
		}
		if (n < 0)
			return rfail(r, "read error: %s", strerror(errno));
	}
	if (n == 0)
		r->eof = 1;
	for (size_t i = 0; r->total_in + i < 4 && i < (size_t)n; i++)
		r->first[r->total_in + i] = r->in[i];
	r->total_in += (uint64_t)n;
	r->inb.size = (size_t)n;
	r->inb.pos = 0;
	return 0;
}

/* Could these first input bytes begin a zstd frame (or skippable frame)? */
static int looks_like_zstd(const unsigned char *p, size_t n)
{
	static const unsigned char zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char skip[3] = { 0x2a, 0x4d, 0x18 };
	if (memcmp(p, zmagic, n < 4 ? n : 4) == 0)
		return 1;
	if (n == 0 || (p[0] & 0xf0) != 0x50)
		return 0;
	return n < 2 || memcmp(p + 1, skip, n - 1 < 3 ? n - 1 : 3) == 0;
}

/*
 * Decompress into out until some bytes arrive: 1 = progress, 0 = end of
 * input (r->frame_done tells whether it fell between frames), -1 = error.
 */
static int decompress_some(tts_reader *r, ZSTD_outBuffer *out)
{
	size_t before = out->pos;
	for (;;) {
		if (r->inb.pos < r->inb.size || !r->frame_done) {
			size_t ret = ZSTD_decompressStream(r->dctx, out, &r->inb);
			if (ZSTD_isError(ret)) {
				if (ZSTD_getErrorCode(ret) == ZSTD_error_prefix_unknown &&
				    r->records == 0 && r->len == 0)
					return rfail(r, "not a tensor stream (not zstd data)");
				return rfail(r, "corrupt stream: %s", ZSTD_getErrorName(ret));
			}
			r->frame_done = ret == 0;
			if (out->pos > before)
				return 1;
			if (r->inb.pos < r->inb.size)
				continue;
		}
		if (r->eof)
			return 0;
		if (read_input(r) < 0)
			return -1;
	}
}

/* The reason input ended early, as a message. */
static int truncated(tts_reader *r, const char *where)
{
	if (r->total_in == 0)
		return rfail(r, "truncated stream: empty input");
	if (r->total_in < 4 && !looks_like_zstd(r->first, r->total_in))
		return rfail(r, "not a tensor stream (not zstd data)");
	if (!r->frame_done)
		return rfail(r, "truncated stream: input ends inside a zstd frame%s",
			where);
	return rfail(r, "truncated stream: %s", where[0] ? where + 2 : "input ends");
}

/* Make at least n decompressed bytes available at r->out + r->pos.
 * 1 = done, 0 = input ended first, -1 = error. */
static int need(tts_reader *r, size_t n)
{
	if (r->len - r->pos >= n)
		return 1;
	if (r->pos > 0) {
		memmove(r->out, r->out + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < n) {
		ZSTD_outBuffer out = { r->out, r->outcap, r->len };
		int rc = decompress_some(r, &out);
		r->len = out.pos;
		if (rc <= 0)
			return rc;
	}
	return 1;
}

static int skip_data(tts_reader *r)
{
	while (r->remain > 0) {
		size_t avail = r->len - r->pos;
		size_t take = avail < r->remain ? avail : (size_t)r->remain;
		r->pos += take;
		r->remain -= take;
		if (r->remain == 0)
			break;
		r->pos = r->len = 0;
		int rc = need(r, 1);
		if (rc <= 0)
			return rc < 0 ? -1 : truncated(r, ", inside the data of a record");
	}
	return 0;
}

/* After the end record: the frame it is in must finish cleanly (that is
 * where the checksum is) and hold nothing more.  Later frames are not read. */
static int finish_end(tts_reader *r)
{
	while (r->len == r->pos && !r->frame_done) {
		r->pos = r->len = 0;
		ZSTD_outBuffer out = { r->out, r->outcap, 0 };
		int rc = decompress_some(r, &out);
		r->len = out.pos;
		if (rc < 0)
			return -1;
		if (rc == 0)
			return truncated(r, "");
	}
	if (r->len > r->pos)
		return rfail(r, "corrupt stream: data after the end record");
	r->ended = 1;
	return 0;
}

/* Describe the record being parsed for messages: its number until the
 * name is known. */
#define RECORD_FMT "record #%llu"
#define RECORD_ARG(r) (unsigned long long)((r)->records + 1)

static int bad_magic(tts_reader *r)
{
	if (r->records == 0)
		return rfail(r, "not a tensor stream");
	return rfail(r, "corrupt stream: " RECORD_FMT ": bad record magic",
		RECORD_ARG(r));
}

static int parse_header(tts_reader *r, tts_header *h)
{
	const unsigned char *p = r->out + r->pos;
	if (memcmp(p, record_magic, 3) != 0)
		return bad_magic(r);
	if (p[3] != TTS_VERSION)
		return rfail(r, "unsupported stream version %d", p[3]);
	int dtype = p[4], rank = p[5];
	size_t namelen = get_u16(p + 6);
	if (dtype == TTS_END) {
		if (rank != 0 || namelen != 0)
			return rfail(r, "corrupt stream: end record with rank %d and name length %zu",
				rank, namelen);
		r->pos += HEADER_FIXED;
		return 0;
	}
	if (!tts_dtype_name(dtype))
		return rfail(r, RECORD_FMT ": unknown dtype %d", RECORD_ARG(r), dtype);
	if (rank > TTS_MAX_RANK)
		return rfail(r, RECORD_FMT ": rank %d larger than %d", RECORD_ARG(r),
			rank, TTS_MAX_RANK);
	if (namelen == 0 || namelen > TTS_MAX_NAME)
		return rfail(r, RECORD_FMT ": name length %zu out of range 1..%d",
			RECORD_ARG(r), namelen, TTS_MAX_NAME);
	size_t hlen = HEADER_FIXED + 8 * (size_t)rank + namelen;
	int rc = need(r, hlen);
	if (rc <= 0)
		return rc < 0 ? -1 : truncated(r, ", inside a record header");
	p = r->out + r->pos;
	const unsigned char *name = p + HEADER_FIXED + 8 * rank;
	const char *why = tts_name_problem(name, namelen);
	if (why)
		return rfail(r, RECORD_FMT ": %s", RECORD_ARG(r), why);
	memset(h, 0, sizeof *h);
	memcpy(h->name, name, namelen);
	h->dtype = dtype;
	h->rank = rank;
	for (int i = 0; i < rank; i++)
		h->dims[i] = get_u64(p + HEADER_FIXED + 8 * i);
	why = tts_shape_problem(dtype, rank, h->dims, &h->count, &h->nbytes);
	if (why)
		return rfail(r, "record %s: %s", h->name, why);
	memcpy(r->name, h->name, namelen + 1);
	r->pos += hlen;
	r->remain = h->nbytes;
	r->records++;
	return 1;
}

int tts_next(tts_reader *r, tts_header *h)
{
	if (r->err[0])
		return -1;
	if (r->ended)
		return 0;
	if (skip_data(r) < 0)
		return -1;
	int rc = need(r, HEADER_FIXED);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		size_t avail = r->len - r->pos;
		if (avail == 0)
			return truncated(r, r->frame_done ? ", no end record" : "");
		if (memcmp(r->out + r->pos, record_magic, avail < 3 ? avail : 3) != 0)
			return bad_magic(r);
		return truncated(r, ", inside a record header");
	}
	rc = parse_header(r, h);
	if (rc == 0) {
		memset(h, 0, sizeof *h);
		return finish_end(r) < 0 ? -1 : 0;
	}
	return rc;
}

int tts_read_data(tts_reader *r, void *buf, size_t n)
{
	if (r->err[0])
		return -1;
	if (n > r->remain)
		return rfail(r, "record %s: reading %zu bytes, only %llu left",
			r->name, n, (unsigned long long)r->remain);
	unsigned char *dst = buf;
	while (n > 0) {
		size_t avail = r->len - r->pos;
		if (avail > 0) {
			size_t take = avail < n ? avail : n;
			memcpy(dst, r->out + r->pos, take);
			r->pos += take;
			dst += take;
			n -= take;
			r->remain -= take;
			continue;
		}
		int rc;
		r->pos = r->len = 0;
		if (n >= DIRECT_MIN) {
			ZSTD_outBuffer out = { dst, n, 0 };
			rc = decompress_some(r, &out);
			dst += out.pos;
			n -= out.pos;
			r->remain -= out.pos;
		} else {
			rc = need(r, 1);
		}
		if (rc < 0)
			return -1;
		if (rc == 0) {
			char where[TTS_MAX_NAME + 64];
			snprintf(where, sizeof where, ", inside the data of record %s",
				r->name);
			return truncated(r, where);
		}
	}
	return 0;
}

int tts_read_into(tts_reader *r, const tts_header *h, void **buf, size_t *cap)
{
	if (r->err[0])
		return -1;
	if (r->remain != h->nbytes)
		return rfail(r, "record %s: data already partly read", h->name);
	if (h->nbytes >= SIZE_MAX)
		return rfail(r, "record %s: %llu bytes, more than memory can hold", h->name,
			(unsigned long long)h->nbytes);
	size_t n = (size_t)h->nbytes, got = 0;
	for (;;) {
		size_t ahead = got > ALLOC_FIRST ? got : ALLOC_FIRST;
		size_t upto = n - got > ahead ? got + ahead : n;
		if (*cap < upto + 1) {
			void *more = realloc(*buf, upto + 1);
			if (!more)
				return rfail(r, "record %s: out of memory for %llu bytes", h->name,
					(unsigned long long)h->nbytes);
			*buf = more;
			*cap = upto + 1;
		}
		if (upto > got && tts_read_data(r, (char *)*buf + got, upto - got) < 0)
			return -1;
		got = upto;
		if (got == n)
			return 0;
	}
}

static int cmp_key(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t nx = strcspn(x, "=\n"), ny = strcspn(y, "=\n");
	int c = memcmp(x, y, nx < ny ? nx : ny);
	return c ? c : (nx > ny) - (nx < ny);
}

/* A key given twice in a meta record: which value was meant is anyone's
 * guess (tts_meta_get would take the first), so the record is refused. */
static int check_meta_keys(tts_reader *r, const char *text)
{
	size_t n = 0;
	for (const char *c = text; *c; c++)
		n += *c == '\n';
	const char **keys = malloc((n + 1) * sizeof *keys);
	if (!keys)
		return rfail(r, "record meta: out of memory");
	size_t k = 0;
	for (const char *line = text; line && *line; ) {
		if (strcspn(line, "=\n") < strcspn(line, "\n"))
			keys[k++] = line;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	qsort(keys, k, sizeof *keys, cmp_key);
	for (size_t i = 1; i < k; i++)
		if (cmp_key(&keys[i - 1], &keys[i]) == 0) {
			const char *key = keys[i];
			int len = (int)strcspn(key, "=");
			free(keys);
			return rfail(r, "record meta: %.*s= given twice", len > 64 ? 64 : len,
				key);
		}
	free(keys);
	return 0;
}

void *tts_read_alloc(tts_reader *r, const tts_header *h, uint64_t max_bytes)
{
	uint64_t limit = max_bytes ? max_bytes : TTS_MAX_BYTES;
	if (r->err[0])
		return NULL;
	if (h->nbytes > limit) {
		rfail(r, "record %s: %llu bytes, more than the limit of %llu",
			h->name, (unsigned long long)h->nbytes,
			(unsigned long long)limit);
		return NULL;
	}
	void *buf = NULL;
	size_t cap = 0;
	if (tts_read_into(r, h, &buf, &cap) < 0) {
		free(buf);
		return NULL;
	}
	((char *)buf)[h->nbytes] = '\0';
	if (h->dtype == TTS_TEXT && strcmp(h->name, "meta") == 0 &&
	    check_meta_keys(r, buf) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int tts_meta_get(const char *meta, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	for (const char *line = meta; line && *line; ) {
		const char *end = strchr(line, '\n');
		size_t llen = end ? (size_t)(end - line) : strlen(line);
		if (llen > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
			const char *v = line + klen + 1;
			size_t vlen = llen - klen - 1;
			if (vlen > 0 && v[vlen - 1] == '\r')
				vlen--;
			if (len > 0) {
				size_t n = vlen < len - 1 ? vlen : len - 1;
				memcpy(buf, v, n);
				buf[n] = '\0';
			}
			return 1;
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}
