/*
 * tt-dump - print a tensor stream: its records, shapes, meta text and
 * first values; or one record as TSV; or every record as a .npy file.
 */
#include <errno.h>
#include <getopt.h>
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
		printf("    %.*s\n", (int)n, line);
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

/* The .npy format version 1.0 header, padded to a multiple of 64 bytes. */
static size_t npy_header(unsigned char *buf, const tts_header *h)
{
	char dict[512], shape[TTS_MAX_RANK * 22 + 4];
	size_t at = 0;
	for (int i = 0; i < h->rank; i++)
		at += (size_t)snprintf(shape + at, sizeof shape - at, "%s%" PRIu64,
			i ? ", " : "", h->dims[i]);
	if (h->rank == 1)
		snprintf(shape + at, sizeof shape - at, ",");
	if (h->rank == 0)
		shape[0] = '\0';
	int n = snprintf(dict, sizeof dict,
		"{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
		npy_descr(h->dtype), shape);
	size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64;
	size_t hlen = total - 10;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)(hlen & 0xff);
	buf[9] = (unsigned char)(hlen >> 8);
	memcpy(buf + 10, dict, (size_t)n);
	memset(buf + 10 + n, ' ', hlen - (size_t)n - 1);
	buf[total - 1] = '\n';
	return total;
}

static int write_npy(tts_reader *r, const tts_header *h, const char *dir,
	table *names)
{
	char file[TTS_MAX_NAME + 32], path[4096];
	unsigned char head[1024];
	npy_file_name(names, h->name, file, sizeof file);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "wb");
	if (!f)
		die_errno("%s", path);
	size_t n = npy_header(head, h);
	if (fwrite(head, 1, n, f) != n)
		die_errno("%s: write failed", path);
	for (uint64_t left = h->nbytes; left > 0; ) {
		size_t k = left < PIECE ? (size_t)left : PIECE;
		if (tts_read_data(r, piece.bytes, k) < 0) {
			fclose(f);
			unlink(path); /* no half file that numpy would misread */
			return -1;
		}
		if (fwrite(piece.bytes, 1, k, f) != k)
			die_errno("%s: write failed", path);
		left -= k;
	}
	if (fclose(f) != 0)
		die_errno("%s: write failed", path);
	return 0;
}

static int dump_npy(tts_reader *r, const char *dir, table *names)
{
	tts_header h;
	int rc;
	while ((rc = tts_next(r, &h)) == 1)
		if (write_npy(r, &h, dir, names) < 0)
			return -1;
	return rc;
}

static void make_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0777) == 0)
		return;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	die_errno("%s", dir);
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
	const char *tsv = NULL, *npy = NULL;
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
			npy = optarg;
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
	if (tsv && npy)
		usage_error("--tsv and --npy exclude each other");
	if (nvalues && (tsv || npy))
		usage_error("--values goes with the listing, not --tsv or --npy");
	if (npy)
		make_dir(npy);

	int nfiles = argc ? argc : 1;
	for (int i = 0; i < nfiles; i++) {
		const char *path = argc ? argv[i] : NULL;
		const char *fname = input_name(path);
		FILE *f = input_open(path);
		tts_reader *r = stream_reader(f);
		if (nfiles > 1 && !tsv && !npy)
			printf("%s==> %s <==\n", i ? "\n" : "", fname);
		int rc = tsv ? dump_tsv(r, tsv, fname) : npy ? dump_npy(r, npy, &names) :
			list_records(r, nvalues);
		if (rc < 0)
			warnx_("%s: %s", fname, tts_reader_error(r));
		if (rc != 0)
			status = 1;
		tts_reader_close(r);
		if (f != stdin)
			fclose(f);
	}
	table_free(&names);
	stdout_close();
	return status;
}
