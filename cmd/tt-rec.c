/* tt-rec - top-K recommendations for histories typed by a person. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "cli.h"
#include "ids.h"
#include "rec.h"

static const char usage_text[] =
"usage: tt-rec [-k K] [options] MODEL [ITEM...]\n"
"Top-K items for a history of original item ids, oldest first: the ITEMs,\n"
"or else one history per line of standard input, each answered at once\n"
"(lines 'history rank item score title', then an empty line; an id left\n"
"out is a line 'history left-out id reason' before them).\n"
"\n"
"  -k, --k K          recommendations per history (default 10)\n"
"      --similar      the items most like the ITEMs instead (by cosine)\n"
"      --exclude FILE never recommend these item ids (one per line)\n"
"  -t, --threads N    threads of one query's search (default $TT_THREADS or 2)\n"
"  -h, --help         this help\n"
"  -V, --version      version\n";

/* The longest line of standard input read as a history (ml-prep's limit). */
#define LINE_MAX_BYTES ((size_t)64 << 20)

/* Items left out of some history: the exit status says so at the end. */
static int left_out;

static void load(recommender *r, const char *path, int k, int threads)
{
	char err[512];
	FILE *f = input_open(path);
	tts_reader *in = stream_reader(f);
	if (rec_open(r, in, k, threads, err, sizeof err) != 0)
		die("%s: %s", path, err);
	tts_reader_close(in);
	if (f != stdin)
		fclose(f);
}

/* A token of a history that is not a known item: said in the answer, on
 * standard output where a client reads it, before the answer's items. */
#define TOKEN_SAID 255

static void left_out_item(int64_t number, char *tok, int is_id)
{
	/* a token is as long as its line: say its start */
	size_t n = strlen(tok);
	if (n > TOKEN_SAID)
		tok[TOKEN_SAID] = '\0';
	printf("%" PRId64 "\tleft-out\t", number);
	put_printable(stdout, tok);
	printf("%s\t%s\n", n > TOKEN_SAID ? "..." : "", is_id ? "not in the model" : "not an item id");
	left_out = 1;
}

static void read_exclusions(recommender *r, const char *path)
{
	FILE *f = input_open(path);
	char *line = NULL, *tok, err[300];
	size_t cap = 0;
	for (long lineno = 1; getline(&line, &cap, f) >= 0; lineno++) {
		if (id_line(line, &tok, 1, path, lineno) == 0)
			continue;
		int64_t i = embed_items_parse(&r->items, tok, err, sizeof err);
		if (i == -2)
			die("%s:%ld: %s", path, lineno, err);
		if (i < 0)
			warnx_("%s:%ld: item %s is not in the model, not excluded", path,
				lineno, tok);
		else if (rec_exclude(r, (int32_t)i) != 0)
			die_oom("the excluded items", (size_t)r->n_excluded * sizeof(int32_t));
	}
	if (ferror(f))
		die_errno("%s", path);
	free(line);
	if (f != stdin)
		fclose(f);
}

/* The item indices of the blank-separated ids in s (changed in place),
 * for answer number. */
static int64_t parse_history(recommender *r, char *s, int64_t number,
	int32_t **hist, size_t *cap)
{
	int64_t n = 0;
	for (char *save = NULL, *tok = strtok_r(s, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		char err[300];
		int64_t i = embed_items_parse(&r->items, tok, err, sizeof err);
		if (i < 0) {
			left_out_item(number, tok, i == -1);
			continue;
		}
		if ((size_t)n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			if (!(*hist = realloc(*hist, *cap * sizeof **hist)))
				die_oom("a history", *cap * sizeof **hist);
		}
		(*hist)[n++] = (int32_t)i;
	}
	return n;
}

/*
 * A line of f into *line (NUL-terminated, its length in *len): 1, or 0 at
 * the end of input.  A line longer than LINE_MAX_BYTES is read to its end
 * and given as empty with *len past the limit, for the caller to say.
 */
static int read_line(FILE *f, char **line, size_t *cap, size_t *len)
{
	size_t n = 0;
	int c = EOF;
	while ((c = getc_unlocked(f)) != EOF) {
		if (n < LINE_MAX_BYTES) {
			if (n + 2 > *cap) {
				size_t want = *cap ? 2 * *cap : 4096;
				char *p = realloc(*line, want);
				if (!p)
					die_oom("a line of input", want);
				*line = p, *cap = want;
			}
			(*line)[n] = (char)c;
		}
		n++;
		if (c == '\n')
			break;
	}
	if (n == 0 && c == EOF)
		return 0;
	*len = n;
	(*line)[n <= LINE_MAX_BYTES ? n : 0] = '\0';
	return 1;
}

/* One answer: its lines, an empty line, flushed for whoever waits on it. */
static int similar;

static void answer(recommender *r, int64_t number, const int32_t *hist, int64_t n,
	int k, int32_t *items, float *scores)
{
	if ((similar ? rec_similar : rec_query)(r, hist, n, k, items, scores) != 0)
		die_oom("a query's history", (size_t)n * sizeof *hist);
	for (int j = 0; j < k && items[j] >= 0; j++) {
		char buf[ID_BUF];
		printf("%" PRId64 "\t%d\t%s\t%.6g", number, j + 1,
			id_name(r->items.names, r->items.ids, items[j], buf), scores[j]);
		if (r->items.titles) {
			putchar('\t');
			put_printable(stdout, r->items.titles[items[j]]);
		}
		putchar('\n');
	}
	putchar('\n');
	/* with SIGPIPE ignored a closed pipe is EPIPE here: an error too */
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("standard output: write failed");
}

int main(int argc, char **argv)
{
	enum { O_SIMILAR = 256, O_EXCLUDE };
	static const struct option longopts[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "similar", no_argument, NULL, O_SIMILAR },
		{ "exclude", required_argument, NULL, O_EXCLUDE },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int k = 10, threads = 0, ch;
	const char *exclude = NULL;
	cli_init(argv);
	while ((ch = getopt_long(argc, argv, "k:t:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k': k = (int)parse_int("--k", optarg, 1, 100000); break;
		case O_SIMILAR: similar = 1; break;
		case O_EXCLUDE: exclude = optarg; break;
		case 't': threads = parse_threads(optarg); break;
		case 'h': fputs(usage_text, stdout); stdout_close(); exit(0);
		case 'V': print_version();
		default: usage_hint();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage_error("no model file");
	if (argc == 1 && strcmp(argv[0], "-") == 0)
		usage_error("the model and the histories are both standard input");
	if (exclude) {
		inputs_apart("MODEL", argv[0], "--exclude", exclude);
		if (argc == 1)
			inputs_apart("--exclude", exclude, "the histories", "-");
	}
	if (!threads)
		threads = default_threads();
	if (blas_start(threads) != 0)
		die_oom("BLAS's buffers", blas_buffer_bytes(threads));
	recommender r;
	load(&r, argv[0], k, threads);
	if (exclude)
		read_exclusions(&r, exclude);
	int32_t *items = malloc(k * sizeof *items), *hist = NULL;
	float *scores = malloc(k * sizeof *scores);
	size_t cap = 0;
	if (!items || !scores)
		die_oom("the top k", (size_t)k * (sizeof *items + sizeof *scores));
	char *line = NULL;
	size_t linecap = 0;
	if (argc > 1) {
		/* the ITEMs are one history: join them into one line */
		size_t len = 0;
		for (int a = 1; a < argc; a++)
			len += strlen(argv[a]) + 1;
		if (!(line = malloc(len + 1)))
			die_oom("the history's line", len + 1);
		line[0] = '\0';
		for (int a = 1; a < argc; a++)
			strcat(strcat(line, argv[a]), " ");
		int64_t n = parse_history(&r, line, 1, &hist, &cap);
		answer(&r, 1, hist, n, k, items, scores);
	} else {
		size_t len;
		for (int64_t number = 1; read_line(stdin, &line, &linecap, &len); number++) {
			int64_t n = 0;
			if (len > LINE_MAX_BYTES || strlen(line) < len) {
				/* an empty answer keeps a driver's count of answers */
				warnx_("<stdin>:%" PRId64 ": a line %s, left out", number,
					len > LINE_MAX_BYTES ? "longer than 64 MiB" : "with a NUL byte");
				left_out = 1;
			} else {
				n = parse_history(&r, line, number, &hist, &cap);
			}
			answer(&r, number, hist, n, k, items, scores);
		}
		if (ferror(stdin))
			die_errno("<stdin>");
	}
	free(line);
	free(hist);
	free(items);
	free(scores);
	rec_close(&r);
	stdout_close();
	return left_out;
}
