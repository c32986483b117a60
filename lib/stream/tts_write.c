/* tts_write.c - tensor streams: the writer, which never writes a header
 * that the reader would refuse (the checks of tts_header.c). */
#include "tts.h"
#include "tts_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

static void put_u16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

struct tts_writer {
	FILE *f;
	ZSTD_CCtx *cctx;
	unsigned char *out;
	size_t outcap;
	int frame_open;   /* bytes given to zstd since the last frame end */
	int in_record;
	uint64_t remain;  /* data bytes the current record still expects */
	char name[TTS_MAX_NAME + 1];
	char err[ERRLEN]; /* non-empty once anything failed: sticky */
};

static int wfail(tts_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int wfail(tts_writer *w, const char *fmt, ...)
{
	if (w->err[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->err, sizeof w->err, fmt, ap);
		va_end(ap);
	}
	return -1;
}

size_t tts_writer_bytes(void)
{
	return sizeof(tts_writer) + ZSTD_CStreamOutSize();
}

tts_writer *tts_writer_open(FILE *f, int level)
{
	if (!tts_host_little_endian()) {
		errno = ENOTSUP;
		return NULL;
	}
	tts_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->f = f;
	w->outcap = ZSTD_CStreamOutSize();
	w->out = malloc(w->outcap);
	w->cctx = ZSTD_createCCtx();
	if (!w->out || !w->cctx) {
		tts_writer_abort(w);
		errno = ENOMEM;
		return NULL;
	}
	size_t rc = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel,
		level ? level : ZSTD_CLEVEL_DEFAULT);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	if (ZSTD_isError(rc))
		wfail(w, "zstd level %d: %s", level, ZSTD_getErrorName(rc));
	return w;
}

const char *tts_writer_error(const tts_writer *w)
{
	return w->err;
}

/* Give n bytes to zstd; with ZSTD_e_end, also end the frame. */
static int compress(tts_writer *w, const void *data, size_t n,
	ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { data, n, 0 };
	int finished;
	do {
		ZSTD_outBuffer out = { w->out, w->outcap, 0 };
		size_t left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
		if (ZSTD_isError(left))
			return wfail(w, "zstd: %s", ZSTD_getErrorName(left));
		if (out.pos && fwrite(w->out, 1, out.pos, w->f) != out.pos)
			return wfail(w, "write error: %s", strerror(errno));
		finished = mode == ZSTD_e_continue ? in.pos == in.size : left == 0;
	} while (!finished);
	w->frame_open = mode == ZSTD_e_continue;
	return 0;
}

static int write_header(tts_writer *w, const char *name, int dtype, int rank,
	const uint64_t *dims)
{
	unsigned char h[HEADER_MAX];
	size_t namelen = name ? strlen(name) : 0;
	memcpy(h, record_magic, 3);
	h[3] = TTS_VERSION;
	h[4] = (unsigned char)dtype;
	h[5] = (unsigned char)rank;
	put_u16(h + 6, (uint16_t)namelen);
	for (int i = 0; i < rank; i++)
		put_u64(h + HEADER_FIXED + 8 * i, dims[i]);
	if (namelen)
		memcpy(h + HEADER_FIXED + 8 * rank, name, namelen);
	return compress(w, h, HEADER_FIXED + 8 * rank + namelen, ZSTD_e_continue);
}

int tts_write_begin(tts_writer *w, const char *name, int dtype, int rank,
	const uint64_t *dims)
{
	uint64_t count, nbytes;
	if (w->err[0])
		return -1;
	if (w->in_record)
		return wfail(w, "record %s: %llu bytes of data missing", w->name,
			(unsigned long long)w->remain);
	if (!name)
		return wfail(w, "record without a name");
	const char *why = tts_name_problem((const unsigned char *)name, strlen(name));
	if (why)
		return wfail(w, "invalid record name: %s", why);
	if (rank > 0 && !dims)
		return wfail(w, "record %s: no dimensions", name);
	why = tts_shape_problem(dtype, rank, dims, &count, &nbytes);
	if (why)
		return wfail(w, "record %s: %s (dtype %d, rank %d)", name, why,
			dtype, rank);
	if (write_header(w, name, dtype, rank, dims) < 0)
		return -1;
	snprintf(w->name, sizeof w->name, "%s", name);
	w->remain = nbytes;
	w->in_record = nbytes > 0;
	return 0;
}

int tts_write_data(tts_writer *w, const void *data, size_t n)
{
	if (w->err[0])
		return -1;
	if (n > w->remain)
		return wfail(w, "record %s: %zu bytes of data given, %llu expected",
			w->name, n, (unsigned long long)w->remain);
	if (n && compress(w, data, n, ZSTD_e_continue) < 0)
		return -1;
	w->remain -= n;
	w->in_record = w->remain > 0;
	return 0;
}

int tts_write(tts_writer *w, const char *name, int dtype, int rank,
	const uint64_t *dims, const void *data)
{
	if (tts_write_begin(w, name, dtype, rank, dims) < 0)
		return -1;
	size_t n = (size_t)w->remain;
	if (n != w->remain)
		return wfail(w, "record %s: too large for this host", name);
	if (n && !data)
		return wfail(w, "record %s: no data", name);
	return tts_write_data(w, data, n);
}

int tts_write_text(tts_writer *w, const char *name, const char *text)
{
	uint64_t len = strlen(text);
	return tts_write(w, name, TTS_TEXT, 1, &len, text);
}

int tts_write_meta(tts_writer *w, const char *text)
{
	if (strncmp(text, "kind=", 5) != 0)
		return wfail(w, "meta record must start with kind=");
	return tts_write_text(w, "meta", text);
}

int tts_flush(tts_writer *w)
{
	if (w->err[0])
		return -1;
	if (w->frame_open && compress(w, NULL, 0, ZSTD_e_end) < 0)
		return -1;
	if (fflush(w->f) != 0)
		return wfail(w, "write error: %s", strerror(errno));
	return 0;
}

int tts_writer_close(tts_writer *w, char *errbuf, size_t errlen)
{
	if (!w->err[0] && w->in_record)
		wfail(w, "record %s: %llu bytes of data missing", w->name,
			(unsigned long long)w->remain);
	if (!w->err[0] && write_header(w, NULL, TTS_END, 0, NULL) == 0 &&
	    compress(w, NULL, 0, ZSTD_e_end) == 0) {
		if (fflush(w->f) != 0 || ferror(w->f))
			wfail(w, "write error: %s", strerror(errno));
	}
	int rc = w->err[0] ? -1 : 0;
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", w->err);
	tts_writer_abort(w);
	return rc;
}

void tts_writer_abort(tts_writer *w)
{
	if (!w)
		return;
	ZSTD_freeCCtx(w->cctx);
	free(w->out);
	free(w);
}

int tts_writer_fail(tts_writer *w, const char *msg)
{
	return wfail(w, "%s", msg);
}
