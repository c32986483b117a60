/*
 * tt-dump - print a tensor stream: its records, shapes, meta text and
 * first values; or one record as TSV; or every record as a .npy file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tts.h"

#define META_SHOWN_MAX (1 << 20) /* bytes of meta text printed in full */
#define PIECE ((size_t)1 << 20)

static const char usage_text[] =
	"usage: tt-dump [-n N] [FILE...]\n"
	"       tt-dump --tsv NAME [FILE...]\n"
	"       tt-dump --npy DIR [FILE...]\n"
	"Print the records of tensor streams (standard input if no FILE or '-').\n"
	"  -n, --values N  also print the first N values of each record\n"
	"      --tsv NAME  print only the first record named NAME, as TSV\n"
	"      --npy DIR   write every record to DIR/NAME.npy (NAME.1.npy, ... for\n"
	"                  repeated names), creating DIR\n"
	"  -h, --help      print this help and exit\n"
	"  -V, --version   print the version and exit\n";

static union {
	unsigned char bytes[PIECE];
	double align;
} piece;

/* ---- values ---- */

static void print_value(const unsigned char *p, int dtype, int exact)
{
	switch (dtype) {
	case TTS_U8:
	case TTS_TEXT:
		printf("%u", p[0]);
		break;
	case TTS_I32: {
		int32_t v;
		memcpy(&v, p, 4);
		printf("%" PRId32, v);
		break;
	}
	case TTS_I64: {
		int64_t v;
		memcpy(&v, p, 8);
		printf("%" PRId64, v);
		break;
	}
	case TTS_F32: {
		float v;
		memcpy(&v, p, 4);
		printf(exact ? "%.9g" : "%g", v);
		break;
	}
	case TTS_F64: {
		double v;
		memcpy(&v, p, 8);
		printf(exact ? "%.17g" : "%g", v);
		break;
	}
	}
}

static void print_escaped(const unsigned char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\\' || c == '"')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* ---- listing ---- */

static void format_shape(char *buf, size_t len, const tts_header *h)
{
	size_t at = (size_t)snprintf(buf, len, "(");
	for (int i = 0; i < h->rank && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%" PRIu64,
			i ? "," : "", h->dims[i]);
	if (at < len)
		snprintf(buf + at, len - at, ")");
}

static void print_size(uint64_t n)
{
	static const char *units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	printf("%10" PRIu64 " B", n);
	if (n < 1024)
		return;
	double v = (double)n / 1024;
	int u = 0;
	for (; v >= 1024 && u < 4; u++)
		v /= 1024;
	printf(" (%.1f %s)", v, units[u]);
}

static int is_meta(const tts_header *h)
{
	return h->dtype == TTS_TEXT && strcmp(h->name, "meta") == 0;
}

static int print_meta(tts_reader *r, const tts_header *h)
{
	if (h->nbytes > META_SHOWN_MAX) {
		printf("    (%" PRIu64 " bytes of meta text not shown)\n", h->nbytes);
		return 0;
	}
	char *text = tts_read_alloc(r, h, META_SHOWN_MAX);
	if (!text)
		return -1;
	for (char *line = text; *line; ) {
		char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		line[n] = '\0';
		fputs("    ", stdout);
		put_printable(stdout, line); /* a stream's text is anyone's */
		putchar('\n');
		line += n + (end != NULL);
	}
	free(text);
	return 0;
}

static int print_first_values(tts_reader *r, const tts_header *h, uint64_t n)
{
	size_t size = tts_dtype_size(h->dtype);
	uint64_t shown = h->count < n ? h->count : n;
	if (shown > PIECE / size)
		shown = PIECE / size;
	if (tts_read_data(r, piece.bytes, shown * size) < 0)
		return -1;
	fputs("  ", stdout);
	if (h->dtype == TTS_TEXT) {
		print_escaped(piece.bytes, shown);
	} else {
		for (uint64_t i = 0; i < shown; i++) {
			if (i)
				putchar(' ');
			print_value(piece.bytes + i * size, h->dtype, 0);
		}
	}
	if (h->count > shown)
		fputs(" ...", stdout);
	return 0;
}

static int list_records(tts_reader *r, uint64_t nvalues)
{
	tts_header h;
	int rc;
	while ((rc = tts_next(r, &h)) == 1) {
		char shape[TTS_MAX_RANK * 21 + 3];
		format_shape(shape, sizeof shape, &h);
		printf("%-15s %-4s %-16s", h.name, tts_dtype_name(h.dtype), shape);
		print_size(h.nbytes);
		int failed = 0;
		if (nvalues && !is_meta(&h) && h.count)
			failed = print_first_values(r, &h, nvalues) < 0;
		putchar('\n');
		if (!failed && is_meta(&h))
			failed = print_meta(r, &h) < 0;
		if (failed)
			return -1;
	}
	return rc;
}

/* ---- TSV ---- */

/* Rows are the last dimension; a rank-1 record is one value per line. */
static int print_tsv(tts_reader *r, const tts_header *h)
{
	size_t size = tts_dtype_size(h->dtype);
	uint64_t cols = h->rank >= 2 ? h->dims[h->rank - 1] : 1;
	uint64_t done = 0;
	while (done < h->count) {
		uint64_t n = h->count - done;
		if (n > PIECE / size)
			n = PIECE / size;
		if (tts_read_data(r, piece.bytes, n * size) < 0)
			return -1;
		if (h->dtype == TTS_TEXT) {
			fwrite(piece.bytes, 1, n, stdout);
		} else {
			for (uint64_t i = 0; i < n; i++) {
				print_value(piece.bytes + i * size, h->dtype, 1);
				putchar((done + i + 1) % cols ? '\t' : '\n');
			}
		}
		done += n;
	}
	return 0;
}

static int dump_tsv(tts_reader *r, const char *name, const char *fname)
{
	tts_header h;
	int rc;
	while ((rc = tts_next(r, &h)) == 1)
		if (strcmp(h.name, name) == 0)
			return print_tsv(r, &h);
	if (rc == 0) {
		warnx_("%s: no record named '%s'", fname, name);
		return 1;
	}
	return rc;
}

/* ---- npy ---- */

/*
 * File names already written, and per record name the next suffix, in one
 * string table: a "NAME/" key cannot clash with a file name.
 */
typedef struct {
	char **keys;
	unsigned *values;
	size_t cap, n;
} table;

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t table_slot(const table *t, const char *key)
{
	size_t i = hash(key) & (t->cap - 1);
	while (t->keys[i] && strcmp(t->keys[i], key) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int table_has(const table *t, const char *key)
{
	return t->cap && t->keys[table_slot(t, key)] != NULL;
}

static unsigned *table_get(table *t, const char *key)
{
	if (2 * (t->n + 1) > t->cap) {
		table old = *t;
		t->cap = old.cap ? 2 * old.cap : 64;
		t->keys = calloc(t->cap, sizeof *t->keys);
		t->values = calloc(t->cap, sizeof *t->values);
		if (!t->keys || !t->values)
			die_oom("the meta keys", t->cap * (sizeof *t->keys + sizeof *t->values));
		for (size_t i = 0; i < old.cap; i++)
			if (old.keys[i]) {
				size_t j = table_slot(t, old.keys[i]);
				t->keys[j] = old.keys[i];
				t->values[j] = old.values[i];
			}
		free(old.keys);
		free(old.values);
	}
	size_t i = table_slot(t, key);
	if (!t->keys[i]) {
		if (!(t->keys[i] = strdup(key)))
			die_oom("a meta key", strlen(key) + 1);
		t->n++;
	}
	return &t->values[i];
}

static void table_free(table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->values);
}

/* NAME.npy the first time, then NAME.1.npy, NAME.2.npy, ... never a name
 * already written (a record may be called "x.1"). */
static void npy_file_name(table *t, const char *name, char *buf, size_t len)
{
	char key[TTS_MAX_NAME + 2];
	snprintf(key, sizeof key, "%s/", name);
	unsigned *next = table_get(t, key);
	for (;;) {
		unsigned k = (*next)++;
		if (k == 0)
			snprintf(buf, len, "%s.npy", name);
		else
			snprintf(buf, len, "%s.%u.npy", name, k);
		unsigned *used = table_get(t, buf);
		if (!*used) {
			*used = 1;
			return;
		}
	}
}

static const char *npy_descr(int dtype)
{
	switch (dtype) {
	case TTS_I32: return "<i4";
	case TTS_I64: return "<i8";
	case TTS_F32: return "<f4";
	case TTS_F64: return "<f8";
	default: return "|u1"; /* u8, and text as its UTF-8 bytes */
	}
}

/* The .npy format version 1.0 header of an array of dtype and dims
 * (rank of them), padded with blanks to len bytes (a multiple of 64), so
 * that it can be written again, once the rows are counted, in place. */
#define NPY_HEADER 256
static void npy_header(unsigned char *buf, int dtype, int rank, const uint64_t *dims)
{
	char dict[NPY_HEADER], shape[TTS_MAX_RANK * 22 + 4];
	size_t at = 0;
	for (int i = 0; i < rank; i++)
		at += (size_t)snprintf(shape + at, sizeof shape - at, "%s%" PRIu64,
			i ? ", " : "", dims[i]);
	if (rank == 1)
		snprintf(shape + at, sizeof shape - at, ",");
	if (rank == 0)
		shape[0] = '\0';
	int n = snprintf(dict, sizeof dict,
		"{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
		npy_descr(dtype), shape);
	size_t hlen = NPY_HEADER - 10;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)(hlen & 0xff);
	buf[9] = (unsigned char)(hlen >> 8);
	memcpy(buf + 10, dict, (size_t)n);
	memset(buf + 10 + n, ' ', hlen - (size_t)n - 1);
	buf[NPY_HEADER - 1] = '\n';
}

/*
 * The export goes into a directory of its own inside DIR, made by
 * mkdtemp (mode 0700: nobody else can plant a link in it), its files
 * named by number; only when every input was read whole are they renamed
 * to DIR/NAME.npy, replacing what was there (a link itself, never its
 * target).  Any failure, fatal signal included, removes the temporary
 * directory and leaves DIR as it was.
 */
static struct {
	const char *dir;
	int dirfd, tmpfd;
	char tmpname[32];       /* in DIR */
	char **names;           /* (n) the final name of temporary file i */
	volatile size_t n;      /* temporary files 0..n-1 made */
	size_t cap;
} npy = { .dirfd = -1, .tmpfd = -1 };

/* i's decimal digits into buf: async-signal-safe, unlike snprintf. */
static void number_name(char *buf, size_t i)
{
	char rev[24];
	int k = 0;
	do
		rev[k++] = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	for (int j = 0; j < k; j++)
		buf[j] = rev[k - 1 - j];
	buf[k] = '\0';
}

/* At any exit or fatal signal (cli_at_cleanup): the temporary files that
 * are left, then their directory. */
static void npy_cleanup(void)
{
	char name[24];
	if (npy.tmpfd < 0)
		return;
	for (size_t i = 0; i < npy.n; i++) {
		number_name(name, i);
		unlinkat(npy.tmpfd, name, 0);
	}
	unlinkat(npy.dirfd, npy.tmpname, AT_REMOVEDIR);
}

static void npy_begin(const char *dir)
{
	struct stat st;
	if (!*dir)
		usage_error("--npy: an empty directory name");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		die_errno("%s", dir);
	if (stat(dir, &st) != 0)
		die_errno("%s", dir);
	if (!S_ISDIR(st.st_mode))
		die("%s: not a directory", dir);
	npy.dir = dir;
	if ((npy.dirfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		die_errno("%s", dir);
	size_t n = strlen(dir) + sizeof npy.tmpname + 2;
	char *path = malloc(n);
	if (!path)
		die_oom("a directory name", n);
	snprintf(path, n, "%s/.tt-dump.XXXXXX", dir);
	cli_at_cleanup(npy_cleanup);
	if (!mkdtemp(path))
		die_errno("%s: cannot create a temporary directory in it", dir);
	snprintf(npy.tmpname, sizeof npy.tmpname, "%s", strrchr(path, '/') + 1);
	npy.tmpfd = open(path, O_RDONLY | O_DIRECTORY);
	if (npy.tmpfd < 0) {
		int e = errno;
		rmdir(path);
		errno = e;
		die_errno("%s", path);
	}
	free(path);
}

/* A new temporary file for DIR/file; dies when it cannot. */
static FILE *npy_file(const char *file)
{
	char name[24];
	if (strlen(file) > NAME_MAX)
		die("%s: a record's file name '%.40s...' is longer than %d bytes: "
			"nothing exported", npy.dir, file, NAME_MAX);
	if (npy.n == npy.cap) {
		npy.cap = npy.cap ? 2 * npy.cap : 64;
		if (!(npy.names = realloc(npy.names, npy.cap * sizeof *npy.names)))
			die_oom("the file names", npy.cap * sizeof *npy.names);
	}
	if (!(npy.names[npy.n] = strdup(file)))
		die_oom("a file name", strlen(file) + 1);
	number_name(name, npy.n);
	npy.n++; /* before it exists: a signal now still removes it */
	int fd = openat(npy.tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (!f)
		die_errno("%s/%s/%s", npy.dir, npy.tmpname, name);
	return f;
}

static void npy_write_failed(const char *file)
{
	die_errno("%s/%s: write failed (nothing exported)", npy.dir, file);
}

/*
 * One array per record name: the records of one name in a stream (a
 * users stream's groups) are its rows one after another, the first
 * dimension summed, so that vectors.npy holds every user's vector.  An
 * offsets record (i64, rank 1, named *offsets) restarts at 0 in each
 * group: each later one loses its leading 0 and is shifted by the rows
 * before it, so that the offsets index the whole seen.npy.  A text
 * record's pieces are joined by a newline.  A record of the same name and
 * another shape starts a new array (NAME.1.npy).
 */
typedef struct {
	char name[TTS_MAX_NAME + 1];
	char file[TTS_MAX_NAME + 32];
	FILE *f;
	int dtype, rank;
	uint64_t dims[TTS_MAX_RANK];
	int64_t shift;          /* offsets: the last value written */
	int last_newline;       /* text: the last byte written was '\n' */
} npy_array;

static struct {
	npy_array *a;
	size_t n, cap;
} arrays;

static int is_offsets(const tts_header *h)
{
	size_t n = strlen(h->name);
	return h->dtype == TTS_I64 && h->rank == 1 && n >= 7 &&
		strcmp(h->name + n - 7, "offsets") == 0;
}

static int same_shape(const npy_array *a, const tts_header *h)
{
	if (a->dtype != h->dtype || a->rank != h->rank || h->rank == 0)
		return 0;
	for (int i = 1; i < h->rank; i++)
		if (a->dims[i] != h->dims[i])
			return 0;
	return 1;
}

static npy_array *array_for(const tts_header *h, table *names, int *fresh)
{
	for (size_t i = arrays.n; i-- > 0;)
		if (strcmp(arrays.a[i].name, h->name) == 0) {
			if (same_shape(&arrays.a[i], h)) {
				*fresh = 0;
				return &arrays.a[i];
			}
			break;
		}
	if (arrays.n == arrays.cap) {
		arrays.cap = arrays.cap ? 2 * arrays.cap : 16;
		if (!(arrays.a = realloc(arrays.a, arrays.cap * sizeof *arrays.a)))
			die_oom("the arrays", arrays.cap * sizeof *arrays.a);
	}
	npy_array *a = &arrays.a[arrays.n++];
	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", h->name);
	npy_file_name(names, h->name, a->file, sizeof a->file);
	a->f = npy_file(a->file);
	a->dtype = h->dtype;
	a->rank = h->rank;
	a->last_newline = 1;
	unsigned char head[NPY_HEADER];
	npy_header(head, a->dtype, a->rank, h->dims); /* a place for the final one */
	if (fwrite(head, 1, NPY_HEADER, a->f) != NPY_HEADER)
		npy_write_failed(a->file);
	*fresh = 1;
	return a;
}

static void put(npy_array *a, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, a->f) != n)
		npy_write_failed(a->file);
}

static int write_npy(tts_reader *r, const tts_header *h, table *names)
{
	int fresh;
	npy_array *a = array_for(h, names, &fresh);
	uint64_t rows = h->rank ? h->dims[0] : 0;
	int offsets = is_offsets(h) && !fresh;
	if (h->dtype == TTS_TEXT && !fresh && !a->last_newline && h->nbytes > 0) {
		put(a, "\n", 1);
		a->dims[0]++;
	}
	for (uint64_t left = h->nbytes, first = 1; left > 0; first = 0) {
		size_t k = left < PIECE ? (size_t)left : PIECE; /* whole i64s: PIECE is 8n */
		if (tts_read_data(r, piece.bytes, k) < 0)
			return -1;
		left -= k;
		unsigned char *p = piece.bytes;
		if (offsets) { /* shifted, and the first group's 0 alone kept */
			for (size_t i = 0; i < k; i += 8) {
				int64_t v;
				memcpy(&v, p + i, 8);
				v += a->shift;
				memcpy(p + i, &v, 8);
			}
			if (first)
				p += 8, k -= 8, rows--;
		}
		put(a, p, k);
		if (k && h->dtype == TTS_TEXT)
			a->last_newline = p[k - 1] == '\n';
		if (is_offsets(h) && k >= 8)
			memcpy(&a->shift, p + k - 8, 8);
	}
	if (fresh)
		memcpy(a->dims, h->dims, sizeof a->dims);
	else
		a->dims[0] += rows;
	return 0;
}

/* The end of an input: each array's header with its rows, and the file shut. */
static void npy_close_arrays(void)
{
	for (size_t i = 0; i < arrays.n; i++) {
		npy_array *a = &arrays.a[i];
		unsigned char head[NPY_HEADER];
		npy_header(head, a->dtype, a->rank, a->dims);
		if (fseek(a->f, 0, SEEK_SET) != 0 || fwrite(head, 1, NPY_HEADER, a->f) != NPY_HEADER ||
		    fflush(a->f) != 0 || fsync(fileno(a->f)) != 0 || fclose(a->f) != 0)
			npy_write_failed(a->file);
	}
	arrays.n = 0;
}

static int dump_npy(tts_reader *r, table *names)
{
	tts_header h;
	int rc;
	while ((rc = tts_next(r, &h)) == 1)
		if (write_npy(r, &h, names) < 0)
			return -1;
	if (rc == 0)
		npy_close_arrays();
	return rc;
}

/* Every input read whole: the files into DIR.  A directory in the way is
 * found before anything is renamed. */
static void npy_commit(void)
{
	char name[24];
	struct stat st;
	for (size_t i = 0; i < npy.n; i++)
		if (fstatat(npy.dirfd, npy.names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			die("%s/%s: a directory is in the way: nothing exported", npy.dir,
				npy.names[i]);
	for (size_t i = 0; i < npy.n; i++) {
		number_name(name, i);
		if (renameat(npy.tmpfd, name, npy.dirfd, npy.names[i]) != 0)
			die_errno("%s/%s", npy.dir, npy.names[i]);
	}
	if (fsync(npy.dirfd) != 0 && errno != EINVAL)
		die_errno("%s", npy.dir);
}

/* The .npy files in DIR that this export did not write: said, once. */
static void npy_others(table *names)
{
	DIR *d = fdopendir(dup(npy.dirfd));
	struct dirent *e;
	size_t others = 0;
	char first[NAME_MAX + 1] = "";
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 4 || strcmp(e->d_name + len - 4, ".npy") != 0 ||
		    table_has(names, e->d_name))
			continue;
		if (!others++)
			snprintf(first, sizeof first, "%s", e->d_name);
	}
	closedir(d);
	if (others)
		warnx_("%s: %zu other .npy file%s (%s%s) not from this export, left as %s",
			npy.dir, others, others > 1 ? "s" : "", first,
			others > 1 ? ", ..." : "", others > 1 ? "they were" : "it was");
}

static void npy_end(int ok, table *names)
{
	if (ok) {
		npy_commit();
		npy_others(names);
	} else {
		warnx_("%s: nothing exported; its files are as they were", npy.dir);
	}
	npy_cleanup();
	close(npy.tmpfd);
	close(npy.dirfd);
	npy.tmpfd = npy.dirfd = -1;
	for (size_t i = 0; i < npy.n; i++)
		free(npy.names[i]);
	free(npy.names);
}

/* ---- main ---- */

enum { OPT_TSV = 256, OPT_NPY };

static const struct option options[] = {
	{ "values", required_argument, NULL, 'n' },
	{ "tsv", required_argument, NULL, OPT_TSV },
	{ "npy", required_argument, NULL, OPT_NPY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	const char *tsv = NULL, *npy_dir = NULL;
	uint64_t nvalues = 0;
	int c, status = 0;
	table names = { 0 };

	cli_init(argv);
	while ((c = getopt_long(argc, argv, "n:hV", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			nvalues = (uint64_t)parse_int("--values", optarg, 0, 1000000);
			break;
		case OPT_TSV:
			tsv = optarg;
			break;
		case OPT_NPY:
			npy_dir = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			stdout_close();
			return 0;
		case 'V':
			print_version();
		default:
			usage_hint();
		}
	}
	argc -= optind;
	argv += optind;
	if (tsv && npy_dir)
		usage_error("--tsv and --npy exclude each other");
	if (nvalues && (tsv || npy_dir))
		usage_error("--values goes with the listing, not --tsv or --npy");
	if (npy_dir)
		npy_begin(npy_dir);

	int nfiles = argc ? argc : 1;
	for (int i = 0; i < nfiles; i++) {
		const char *path = argc ? argv[i] : NULL;
		const char *fname = input_name(path);
		FILE *f = input_open(path);
		tts_reader *r = stream_reader(f);
		if (nfiles > 1 && !tsv && !npy_dir)
			printf("%s==> %s <==\n", i ? "\n" : "", fname);
		int rc = tsv ? dump_tsv(r, tsv, fname) : npy_dir ? dump_npy(r, &names) :
			list_records(r, nvalues);
		if (rc < 0)
			warnx_("%s: %s", fname, tts_reader_error(r));
		if (rc != 0)
			status = 1;
		tts_reader_close(r);
		if (f != stdin)
			fclose(f);
	}
	if (npy_dir)
		npy_end(status == 0, &names);
	table_free(&names);
	stdout_close();
	return status;
}
