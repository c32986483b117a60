/* instream.c - input, plain or decompressed (zstd in process, gzip by a child). */
#include "instream.h"

#include "error.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

enum { IN_PLAIN, IN_ZSTD, IN_GZIP };

struct instream {
	int kind;
	FILE *f;
	unsigned char peek[4];
	size_t npeek, peek_pos;
	/* zstd */
	ZSTD_DStream *z;
	unsigned char *zbuf;
	size_t zcap;
	ZSTD_inBuffer in;
	int eof;
	size_t last;
	/* gzip */
	int fd;
	pid_t gzip_pid, feeder_pid;
};

/* The feeder child: the bytes already peeked, then the rest of f. */
static void feed_gzip(instream *s, int fd)
{
	signal(SIGPIPE, SIG_DFL);
	char buf[65536];
	size_t n = s->npeek;
	memcpy(buf, s->peek, n);
	for (;;) {
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				_exit(1);
			off += (size_t)w;
		}
		n = fread(buf, 1, sizeof buf, s->f);
		if (n == 0)
			_exit(ferror(s->f) ? 1 : 0);
	}
}

static int gzip_start(instream *s, char *err, size_t errlen)
{
	int in[2], out[2];
	if (pipe(in) != 0)
		goto fail;
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		goto fail;
	}
	fflush(NULL);
	s->gzip_pid = fork();
	if (s->gzip_pid < 0)
		goto fail_pipes;
	if (s->gzip_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		execlp("gzip", "gzip", "-dc", (char *)NULL);
		_exit(127);
	}
	s->feeder_pid = fork();
	if (s->feeder_pid < 0)
		goto fail_pipes;
	if (s->feeder_pid == 0) {
		close(in[0]); close(out[0]); close(out[1]);
		feed_gzip(s, in[1]);
	}
	close(in[0]);
	close(in[1]);
	close(out[1]);
	s->fd = out[0];
	return 0;
fail_pipes:
	close(in[0]); close(in[1]); close(out[0]); close(out[1]);
fail:
	errorf(err, errlen, "cannot start gzip -dc: %s", strerror(errno));
	return -1;
}

instream *instream_open(FILE *f, char *err, size_t errlen)
{
	instream *s = calloc(1, sizeof *s);
	if (!s) {
		errorf(err, errlen, "out of memory");
		return NULL;
	}
	s->f = f;
	s->fd = -1;
	s->npeek = fread(s->peek, 1, sizeof s->peek, f);
	if (s->npeek < sizeof s->peek && ferror(f)) {
		errorf(err, errlen, "read error: %s", strerror(errno));
		free(s);
		return NULL;
	}
	static const unsigned char zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	if (s->npeek == 4 && memcmp(s->peek, zmagic, 4) == 0) {
		s->kind = IN_ZSTD;
		s->z = ZSTD_createDStream();
		s->zcap = ZSTD_DStreamInSize();
		s->zbuf = malloc(s->zcap);
		if (!s->z || !s->zbuf) {
			errorf(err, errlen, "out of memory");
			instream_close(s, NULL, 0);
			return NULL;
		}
		memcpy(s->zbuf, s->peek, 4);
		s->in.src = s->zbuf;
		s->in.size = 4;
		s->in.pos = 0;
	} else if (s->npeek >= 2 && s->peek[0] == 0x1f && s->peek[1] == 0x8b) {
		s->kind = IN_GZIP;
		if (gzip_start(s, err, errlen) != 0) {
			free(s);
			return NULL;
		}
	}
	return s;
}

static ssize_t zstd_read(instream *s, void *buf, size_t n, char *err, size_t errlen)
{
	ZSTD_outBuffer out = { buf, n, 0 };
	for (;;) {
		if (s->in.pos == s->in.size && !s->eof) {
			size_t got = fread(s->zbuf, 1, s->zcap, s->f);
			if (got == 0 && ferror(s->f)) {
				errorf(err, errlen, "read error: %s", strerror(errno));
				return -1;
			}
			if (got == 0)
				s->eof = 1;
			s->in.size = got;
			s->in.pos = 0;
		}
		size_t in_before = s->in.pos, out_before = out.pos;
		size_t ret = ZSTD_decompressStream(s->z, &out, &s->in);
		if (ZSTD_isError(ret)) {
			errorf(err, errlen, "zstd: %s", ZSTD_getErrorName(ret));
			return -1;
		}
		/* Without progress ret is only the next frame's header hint. */
		if (s->in.pos != in_before || out.pos != out_before)
			s->last = ret;
		if (out.pos > 0)
			return (ssize_t)out.pos;
		if (s->in.pos == s->in.size && s->eof) {
			if (s->last != 0) {
				errorf(err, errlen, "truncated zstd input");
				return -1;
			}
			return 0;
		}
	}
}

ssize_t instream_read(instream *s, void *buf, size_t n, char *err, size_t errlen)
{
	if (n == 0)
		return 0;
	switch (s->kind) {
	case IN_ZSTD:
		return zstd_read(s, buf, n, err, errlen);
	case IN_GZIP:
		for (;;) {
			ssize_t got = read(s->fd, buf, n);
			if (got >= 0)
				return got;
			if (errno != EINTR) {
				errorf(err, errlen, "read error: %s", strerror(errno));
				return -1;
			}
		}
	default:
		if (s->peek_pos < s->npeek) {
			size_t k = s->npeek - s->peek_pos;
			if (k > n)
				k = n;
			memcpy(buf, s->peek + s->peek_pos, k);
			s->peek_pos += k;
			return (ssize_t)k;
		}
		size_t got = fread(buf, 1, n, s->f);
		if (got == 0 && ferror(s->f)) {
			errorf(err, errlen, "read error: %s", strerror(errno));
			return -1;
		}
		return (ssize_t)got;
	}
}

static int wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

int instream_close(instream *s, char *err, size_t errlen)
{
	int rc = 0;
	if (!s)
		return 0;
	if (s->kind == IN_GZIP) {
		close(s->fd);
		int gz = wait_child(s->gzip_pid);
		int fe = wait_child(s->feeder_pid);
		if (gz != 0) {
			if (WIFEXITED(gz) && WEXITSTATUS(gz) == 127)
				errorf(err, errlen, "cannot run gzip -dc");
			else
				errorf(err, errlen, "gzip -dc failed (not valid gzip input?)");
			rc = -1;
		} else if (fe != 0) {
			errorf(err, errlen, "read error while feeding gzip");
			rc = -1;
		}
	}
	ZSTD_freeDStream(s->z);
	free(s->zbuf);
	free(s);
	return rc;
}

char *instream_slurp(FILE *f, size_t *len, char *err, size_t errlen)
{
	instream *s = instream_open(f, err, errlen);
	if (!s)
		return NULL;
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	if (!buf)
		goto oom;
	for (;;) {
		if (cap - n < 1 << 15) {
			char *b = realloc(buf, cap * 2 + 1);
			if (!b)
				goto oom;
			buf = b;
			cap *= 2;
		}
		ssize_t got = instream_read(s, buf + n, cap - n, err, errlen);
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (instream_close(s, err, errlen) != 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
oom:
	errorf(err, errlen, "out of memory");
fail:
	instream_close(s, NULL, 0);
	free(buf);
	return NULL;
}

int instream_is_plain(const instream *s)
{
	return s->kind == IN_PLAIN;
}
