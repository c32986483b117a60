/* cli.c - messages, numbers, atomic output files and progress for cmd/. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *progname = "tt";

#define MAX_OUTPUTS 8

struct output {
	FILE *f;
	char *path; /* NULL for stdout */
	char *tmp;
};

/* Temporary files not yet renamed: removed on any exit or fatal signal. */
static char *pending[MAX_OUTPUTS];

static void remove_pending(void)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (pending[i])
			unlink(pending[i]);
}

static void on_fatal_signal(int sig)
{
	remove_pending(); /* unlink is async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_init(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	progname = slash ? slash + 1 : (argv0 ? argv0 : "tt");
	atexit(remove_pending);
}

static void vmessage(const char *fmt, va_list ap, int errnum)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, e);
	va_end(ap);
	exit(1);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_USAGE);
}

void usage_hint(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_USAGE);
}

void print_version(void)
{
	printf("%s (tt) %s\n", progname, TT_VERSION);
	stdout_close();
	exit(0);
}

long long parse_int(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		usage_error("%s: '%s' is not an integer", opt, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range %lld..%lld", opt, s, min, max);
	return v;
}

double parse_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || isnan(v))
		usage_error("%s: '%s' is not a number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range %g..%g", opt, s, min, max);
	return v;
}

int default_threads(void)
{
	const char *env = getenv("TT_THREADS");
	return env ? (int)parse_int("TT_THREADS", env, 1, 256) : 2;
}

void refuse_tty(FILE *f)
{
	if (isatty(fileno(f)))
		die("binary output refused on a terminal; redirect it to a file or a pipe");
}

output *output_open(const char *path)
{
	output *o = calloc(1, sizeof *o);
	if (!o)
		die_errno("out of memory");
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return o;
	}
	o->path = strdup(path);
	size_t n = strlen(path) + 16;
	o->tmp = malloc(n);
	if (!o->path || !o->tmp)
		die_errno("out of memory");
	snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
	int fd = mkstemp(o->tmp);
	if (fd < 0)
		die_errno("%s: cannot create a temporary file beside it", path);
	/* mkstemp's 0600 is not what `> path` would give: keep the file's
	 * mode, or give a new one the umask's */
	struct stat st;
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, stat(path, &st) == 0 ? st.st_mode & 07777 : 0666 & ~mask) != 0)
		die_errno("%s", o->tmp);
	int slot = 0;
	while (slot < MAX_OUTPUTS && pending[slot])
		slot++;
	if (slot == MAX_OUTPUTS)
		die("too many output files");
	pending[slot] = o->tmp;
	static int handlers;
	if (!handlers++) {
		int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ };
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
			struct sigaction sa, old;
			sigaction(sigs[i], NULL, &old);
			if (old.sa_handler != SIG_DFL)
				continue; /* the program has its own plan */
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_fatal_signal;
			sigaction(sigs[i], &sa, NULL);
		}
	}
	o->f = fdopen(fd, "wb");
	if (!o->f)
		die_errno("%s", path);
	return o;
}

FILE *output_file(output *o) { return o->f; }

static void forget_pending(const char *tmp)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (pending[i] == tmp)
			pending[i] = NULL;
}

void output_commit(output *o)
{
	if (!o->path) {
		free(o);
		return; /* stdout is checked by stdout_close() at exit */
	}
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
		die_errno("%s: write failed", o->path);
	if (fclose(o->f) != 0)
		die_errno("%s: write failed", o->path);
	if (rename(o->tmp, o->path) != 0)
		die_errno("%s: cannot rename %s to it", o->path, o->tmp);
	forget_pending(o->tmp);
	free(o->tmp);
	free(o->path);
	free(o);
}

void output_discard(output *o)
{
	if (o->path) {
		fclose(o->f);
		unlink(o->tmp);
		forget_pending(o->tmp);
		free(o->tmp);
		free(o->path);
	}
	free(o);
}

FILE *input_open(const char *path)
{
	if (!path || strcmp(path, "-") == 0)
		return stdin;
	FILE *f = fopen(path, "rb");
	if (!f)
		die_errno("%s", path);
	return f;
}

const char *input_name(const char *path)
{
	return (!path || strcmp(path, "-") == 0) ? "<stdin>" : path;
}

void stdout_close(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		die_errno("standard output: write failed");
	}
	if (fclose(stdout) != 0) {
		if (errno == EPIPE)
			exit(0);
		die_errno("standard output: write failed");
	}
}

double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_start(progress *p, const char *what, uint64_t total)
{
	p->what = what;
	p->total = total;
	p->done = 0;
	p->start = p->last = now_seconds();
	p->active = isatty(STDERR_FILENO);
}

void progress_update(progress *p, uint64_t done, const char *extra)
{
	p->done = done;
	if (!p->active)
		return;
	double t = now_seconds();
	if (t - p->last < 0.2 && done < p->total)
		return;
	p->last = t;
	double el = t - p->start, rate = el > 0 ? done / el : 0;
	if (p->total) {
		double frac = (double)done / p->total;
		int width = 24, fill = (int)(frac * width);
		double eta = rate > 0 ? (p->total - done) / rate : 0;
		fprintf(stderr, "\r%s [%.*s%*s] %3.0f%% %.0f/s ETA %.0fs %s\033[K",
			p->what, fill, "########################", width - fill, "",
			100 * frac, rate, eta, extra ? extra : "");
	} else {
		fprintf(stderr, "\r%s %llu %.0f/s %s\033[K", p->what,
			(unsigned long long)done, rate, extra ? extra : "");
	}
}

void progress_end(progress *p)
{
	if (p->active)
		fprintf(stderr, "\r\033[K");
}
