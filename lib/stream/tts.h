/*
 * tts.h - tensor streams: the one format that flows between tt programs.
 *
 * A stream is zstd-compressed (one or more frames, content checksums on).
 * Its decompressed bytes are a sequence of records, each a fixed header, a
 * name and raw little-endian data; the last record is an end record, so a
 * reader can tell a finished stream from one whose writer died.  The byte
 * layout is documented in man/tt-stream.5.
 *
 * The library never exits or prints: every call returns 0 (or a count) on
 * success and -1 on error, and tts_reader_error()/tts_writer_error() say
 * what went wrong in one line ("truncated stream: ...").
 */
#ifndef TTS_H
#define TTS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TTS_VERSION 1
#define TTS_MAX_RANK 8
#define TTS_MAX_NAME 255          /* bytes in a record name, no NUL inside */
#define TTS_MAX_DIM (1ULL << 48)  /* a single dimension */
#define TTS_MAX_BYTES (1ULL << 56) /* the data of one record */

/* Type codes are part of the format: append only, never renumber. */
enum tts_dtype {
	TTS_END = 0,  /* end of stream; no name, no data */
	TTS_U8 = 1,
	TTS_I32 = 2,
	TTS_I64 = 3,
	TTS_F32 = 4,
	TTS_F64 = 5,
	TTS_TEXT = 6, /* UTF-8 bytes, rank 1 */
};

typedef struct {
	char name[TTS_MAX_NAME + 1]; /* NUL-terminated */
	int dtype;                   /* enum tts_dtype */
	int rank;                    /* 0..TTS_MAX_RANK */
	uint64_t dims[TTS_MAX_RANK];
	uint64_t count;              /* product of dims (1 for rank 0) */
	uint64_t nbytes;             /* count * tts_dtype_size(dtype) */
} tts_header;

size_t tts_dtype_size(int dtype);      /* 0 for an unknown code */
const char *tts_dtype_name(int dtype); /* "f32", ...; NULL if unknown */
int tts_dtype_parse(const char *name); /* -1 if unknown */

/* ---- writing ---- */

typedef struct tts_writer tts_writer;

/* Writes to f (not closed by the library).  level: zstd level, 0 = default. */
tts_writer *tts_writer_open(FILE *f, int level);
size_t tts_writer_bytes(void); /* what tts_writer_open allocates */
const char *tts_writer_error(const tts_writer *w);

/* A whole record at once.  dims may be NULL when rank is 0. */
int tts_write(tts_writer *w, const char *name, int dtype, int rank,
	const uint64_t *dims, const void *data);
/* A record in pieces: begin, then data whose lengths add up to nbytes. */
int tts_write_begin(tts_writer *w, const char *name, int dtype, int rank,
	const uint64_t *dims);
int tts_write_data(tts_writer *w, const void *data, size_t n);
/* Convenience records. */
int tts_write_text(tts_writer *w, const char *name, const char *text);
/* The meta record: "key=value\n" lines; kind must come first. */
int tts_write_meta(tts_writer *w, const char *text);
/* End the current zstd frame and flush f, so a reader at the other end of
 * a pipe sees everything written so far.  The stream goes on. */
int tts_flush(tts_writer *w);
/* Write the end record, end the frame, fflush(f), free w.  Returns -1 (and
 * frees w) if anything failed, here or earlier; errbuf gets the reason. */
int tts_writer_close(tts_writer *w, char *errbuf, size_t errlen);
/* Free without writing the end record: the stream stays visibly unfinished. */
void tts_writer_abort(tts_writer *w);

/* ---- reading ---- */

typedef struct tts_reader tts_reader;

/* Reads f with read(2) when it has a file descriptor (after any bytes its
 * stdio buffer already holds), so a record flushed into a pipe arrives at
 * once; do not read f through stdio while the reader is open.  Stops at
 * the end record: what follows it in f is not read. */
tts_reader *tts_reader_open(FILE *f);
size_t tts_reader_bytes(void); /* what tts_reader_open allocates */
void tts_reader_close(tts_reader *r);
const char *tts_reader_error(const tts_reader *r); /* "" if no error */
/* A read blocked on input gives up when a signal interrupts it and *flag
 * is set (the handler's; its sigaction without SA_RESTART): the reader
 * fails, and tts_reader_stopped() tells that failure from the others. */
void tts_reader_stop_on(tts_reader *r, const volatile sig_atomic_t *flag);
int tts_reader_stopped(const tts_reader *r);

/* Next record header: 1 = a record (h filled), 0 = the end record,
 * -1 = error.  Any unread data of the previous record is skipped. */
int tts_next(tts_reader *r, tts_header *h);
/* Read the next n bytes of the current record's data (n <= remaining). */
int tts_read_data(tts_reader *r, void *buf, size_t n);
/* The current record's data in one malloc'd block (NUL-terminated for
 * convenience: nbytes + 1 bytes are allocated).  Refuses records larger
 * than max_bytes (0 = no limit beyond TTS_MAX_BYTES) without allocating. */
void *tts_read_alloc(tts_reader *r, const tts_header *h, uint64_t max_bytes);
/* The same into *buf, of *cap bytes, grown (realloc) as needed and kept
 * for the next record: room for nbytes + 1.  Either way the memory grows
 * with the data that arrives, never more than 64 MiB (or as much again as
 * has arrived) ahead of it, so a header that promises more than the
 * stream holds reads as a truncated stream.  -1 on error. */
int tts_read_into(tts_reader *r, const tts_header *h, void **buf, size_t *cap);

/* What a reader expects of a record: its dtype and shape, each dimension
 * a size, or TTS_UPTO(letter, n) for any size up to n (TTS_MAX_DIM: no
 * bound of its own), written in place:
 * &(tts_shape){ TTS_U8, 2, { N, TTS_UPTO('G', 4096) } }. */
typedef struct {
	int dtype;
	int rank;
	uint64_t dims[TTS_MAX_RANK];
} tts_shape;
#define TTS_UPTO(letter, n) ((uint64_t)(unsigned char)(letter) << 56 | (uint64_t)(n))

/* 0 if record h is of shape s; else -1 and err says it in one form:
 * "record genres: expected u8 (150,G), G <= 4096, not u8 (150,5000)". */
int tts_check_shape(const tts_header *h, const tts_shape *s, char *err, size_t errlen);
/* Checked, then the data into dst (room for h->nbytes) ... */
int tts_read_shaped(tts_reader *r, const tts_header *h, const tts_shape *s,
	void *dst, char *err, size_t errlen);
/* ... or into *buf, grown as tts_read_into grows it (*cap 0: a new block). */
int tts_read_shaped_into(tts_reader *r, const tts_header *h, const tts_shape *s,
	void **buf, size_t *cap, char *err, size_t errlen);

/* Pass the current record (header and data, none of it read yet: else
 * the reader's error of a read past its end) on to w, in pieces.  On a
 * read error both r and w carry the reader's message. */
int tts_copy_record(tts_reader *r, const tts_header *h, tts_writer *w);

/* Meta text: value of key in "key=value\n" lines, copied into buf.
 * Returns 1 if found, 0 if not.  A value longer than len - 1 is cut. */
int tts_meta_get(const char *meta, const char *key, char *buf, size_t len);

#endif
