/* cli.c - messages, numbers, atomic output files and progress for the programs. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"

const char *progname = "tt";

#define MAX_OUTPUTS 8

struct output {
	FILE *f;
	char *path; /* NULL for stdout */
	char *target; /* replaced atomically through tmp; NULL: written in place */
	char *tmp;    /* NULL until writing starts */
};

/* Temporary files not yet renamed: removed on any exit or fatal signal. */
static char *pending[MAX_OUTPUTS];
static void (*volatile cleanup)(void); /* the program's own: cli_at_cleanup */

static void remove_pending(void)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (pending[i])
			unlink(pending[i]);
	if (cleanup)
		cleanup();
}

static void on_fatal_signal(int sig)
{
	remove_pending(); /* unlink is async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_init(char **argv)
{
	const char *argv0 = argv[0];
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	progname = slash ? slash + 1 : (argv0 ? argv0 : "tt");
	if (argv0)
		argv[0] = (char *)progname; /* getopt's messages name argv[0] */
	/* A closed standard descriptor would be reused by the next open()
	 * (an output file would become stdout).  Hold it with /dev/null
	 * opened the wrong way round, so that using it still fails; open()
	 * takes the lowest free descriptor, the one found closed. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
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

/* Not exit(): a library's exit handler may wait for a thread that a
 * shortage of memory keeps from ever finishing (OpenBLAS's does). */
static __attribute__((noreturn)) void fatal_exit(void)
{
	fflush(NULL);
	remove_pending();
	_exit(1);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	fatal_exit();
}

void die_oom(const char *what, size_t bytes)
{
	char msg[256];
	nomemf(msg, sizeof msg, what, bytes); /* the library's wording */
	fprintf(stderr, "%s: %s\n", progname, msg);
	fatal_exit();
}

void die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vmessage(fmt, ap, e);
	va_end(ap);
	fatal_exit();
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

int parse_choice(const char *opt, const char *s, const char *const *names, int n)
{
	char list[256] = "";
	size_t len = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	for (int i = 0; i < n && len < sizeof list; i++)
		len += snprintf(list + len, sizeof list - len, "%s%s",
			i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
	usage_error("%s: '%s' is not %s", opt, s, list);
}

int id_line(char *line, char **tok, int max, const char *file, long lineno)
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (*t == '#')
			break;
		if (n == max)
			die("%s:%ld: more than %d id%s", file, lineno, max, max > 1 ? "s" : "");
		tok[n++] = t;
	}
	return n;
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

/* s as a thread count, -1 when it is not one in 1..THREADS_MAX. */
static int thread_count(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE || v < 1 || v > THREADS_MAX)
		return -1;
	return (int)v;
}

#define THREADS_BAD "'%s' is not a thread count in 1..%d"

int parse_threads(const char *s)
{
	int n = thread_count(s);
	if (n < 0)
		usage_error("--threads: " THREADS_BAD, s, THREADS_MAX);
	return n;
}

int default_threads(void)
{
	const char *env = getenv("TT_THREADS");
	if (!env || !*env)
		return THREADS_DEFAULT;
	int n = thread_count(env);
	if (n < 0) {
		fprintf(stderr, "%s: TT_THREADS: " THREADS_BAD "\n", progname, env,
			THREADS_MAX);
		exit(EXIT_USAGE);
	}
	return n;
}

void put_printable(FILE *f, const char *text)
{
	for (const unsigned char *t = (const unsigned char *)text; *t; t++) {
		if (*t == '\t')
			putc(' ', f);
		else if (*t < 0x20 || *t == 0x7f)
			fprintf(f, "\\x%02x", *t);
		else if (*t == 0xc2 && t[1] >= 0x80 && t[1] <= 0x9f) /* U+0080..U+009F */
			fprintf(f, "\\x%02x", *++t);
		else
			putc(*t, f);
	}
}

void refuse_tty(FILE *f)
{
	if (isatty(fileno(f)))
		die("binary output refused on a terminal; redirect it to a file or a pipe");
}

/*
 * Where an output goes.  A regular file, or a path that does not exist
 * yet, is replaced atomically: written to a temporary file beside it and
 * renamed over it when complete.  A symbolic link to a regular file has
 * its target replaced that way, the link kept.  Anything else (a device,
 * a fifo, a link to one, a dangling link) is written in place, as a shell
 * redirect would: renaming over /dev/null or a fifo would destroy it.
 */
static char *atomic_target(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? strdup(path) : NULL;
	if (S_ISREG(st.st_mode))
		return strdup(path);
	if (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return realpath(path, NULL);
	return NULL;
}

/* The directory a new file at path would be created in, for access(). */
static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

output *output_open(const char *path)
{
	output *o = calloc(1, sizeof *o);
	if (!o)
		die_oom("an output", sizeof *o);
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return o;
	}
	if (!*path) /* nothing to create, and rename() says so only at the end */
		usage_error("an empty output file name");
	if (!(o->path = strdup(path)))
		die_oom("an output's name", strlen(path) + 1);
	/* Nothing is created before writing starts (a run may take hours and
	 * be killed); what would fail then is said now. */
	char *target = atomic_target(path);
	if (target) {
		char *dir = parent_dir(target);
		if (!dir)
			die_oom("an output's directory", strlen(target) + 1);
		if (access(dir, W_OK | X_OK) != 0)
			die_errno("%s: cannot create a file in %s", path, dir);
		free(dir);
		/* a file the shell's `>` could not write is not replaced either */
		if (access(target, W_OK) != 0 && errno != ENOENT)
			die_errno("%s", path);
		o->target = target;
	} else if (access(path, W_OK) != 0 && errno != ENOENT) {
		die_errno("%s", path); /* ENOENT: a dangling link, created through */
	} else {
		struct stat st; /* found now, not after hours of work */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			die_errno("%s", path);
		}
	}
	return o;
}

static void catch_fatal_signals(void)
{
	static int handlers;
	if (handlers++)
		return;
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

static volatile sig_atomic_t *stop_flag;

static void on_stop_signal(int sig)
{
	*stop_flag = sig;
}

void cli_stop_on(volatile sig_atomic_t *flag)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa); /* no SA_RESTART: a blocked read returns to see the flag */
	sa.sa_handler = on_stop_signal;
	stop_flag = flag;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void cli_at_cleanup(void (*fn)(void))
{
	cleanup = fn;
	catch_fatal_signals();
}

static void open_temporary(output *o)
{
	size_t n = strlen(o->target) + 16;
	if (!(o->tmp = malloc(n)))
		die_oom("an output's temporary name", n);
	snprintf(o->tmp, n, "%s.tmpXXXXXX", o->target);
	int slot = 0;
	while (slot < MAX_OUTPUTS && pending[slot])
		slot++;
	if (slot == MAX_OUTPUTS)
		die("too many output files");
	catch_fatal_signals();
	int fd = mkstemp(o->tmp);
	if (fd < 0)
		die_errno("%s: cannot create a temporary file beside it", o->path);
	pending[slot] = o->tmp;
	/* mkstemp's 0600 is not what `> path` would give: keep the file's
	 * mode, or give a new one the umask's */
	struct stat st;
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, stat(o->target, &st) == 0 ? st.st_mode & 07777 : 0666 & ~mask) != 0)
		die_errno("%s", o->tmp);
	if (!(o->f = fdopen(fd, "wb")))
		die_errno("%s", o->path);
}

FILE *output_file(output *o)
{
	if (o->f)
		return o->f;
	if (o->target) {
		open_temporary(o);
	} else {
		int fd = open(o->path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0 || !(o->f = fdopen(fd, "wb")))
			die_errno("%s", o->path);
	}
	return o->f;
}

static void forget_pending(const char *tmp)
{
	for (int i = 0; i < MAX_OUTPUTS; i++)
		if (pending[i] == tmp)
			pending[i] = NULL;
}

static void output_free(output *o)
{
	free(o->tmp);
	free(o->target);
	free(o->path);
	free(o);
}

void output_commit(output *o)
{
	if (!o->path) {
		output_free(o);
		return; /* stdout is checked by stdout_close() at exit */
	}
	output_file(o); /* an empty output is still an output */
	if (fflush(o->f) != 0 || ferror(o->f) || (o->tmp && fsync(fileno(o->f)) != 0))
		die_errno("%s: write failed", o->path);
	if (fclose(o->f) != 0)
		die_errno("%s: write failed", o->path);
	if (o->tmp) {
		if (rename(o->tmp, o->target) != 0)
			die_errno("%s: cannot rename %s to it", o->target, o->tmp);
		forget_pending(o->tmp);
	}
	output_free(o);
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

static void die_unopened(const char *what, size_t bytes)
{
	if (errno == ENOTSUP)
		die("%s: streams are little-endian, this host is not", what);
	die_oom(what, bytes);
}

tts_reader *stream_reader(FILE *f)
{
	tts_reader *r = tts_reader_open(f);
	if (!r)
		die_unopened("a stream reader", tts_reader_bytes());
	return r;
}

tts_writer *stream_writer(FILE *f, int level)
{
	tts_writer *w = tts_writer_open(f, level);
	if (!w)
		die_unopened("a stream writer", tts_writer_bytes());
	return w;
}

const char *input_name(const char *path)
{
	return (!path || strcmp(path, "-") == 0) ? "<stdin>" : path;
}

void inputs_apart(const char *a_what, const char *a, const char *b_what, const char *b)
{
	if ((!a || !strcmp(a, "-")) && (!b || !strcmp(b, "-")))
		usage_error("%s and %s are both standard input", a_what, b_what);
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

/* A run's time as a person reads it: "1h05m", under an hour "4m07s". */
static void format_duration(char *buf, size_t n, double seconds)
{
	long t = (long)(seconds + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
}

void format_pace(char *buf, size_t n, double rate, const char *unit, double spent, double left,
	int at_most)
{
	char in[32], to_go[32];
	format_duration(in, sizeof in, spent);
	format_duration(to_go, sizeof to_go, left > 0 ? left : 0);
	snprintf(buf, n, "(%.0f %s/s; %s in, %s%s to go)", rate, unit, in, at_most ? "at most " : "",
		to_go);
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

void stream_commit(tts_writer *w, int rc, output *o, const char *path)
{
	char err[256];
	const char *name = path && strcmp(path, "-") ? path : "standard output";
	if (rc != 0) {
		snprintf(err, sizeof err, "%s", tts_writer_error(w));
		tts_writer_abort(w);
		die("%s: %s", name, err);
	}
	if (tts_writer_close(w, err, sizeof err) != 0)
		die("%s: %s", name, err);
	output_commit(o);
}

void output_apart(const char *out, const char *in)
{
	struct stat so, si;
	int ro = !out || !strcmp(out, "-") ? fstat(STDOUT_FILENO, &so) : stat(out, &so);
	int ri = !in || !strcmp(in, "-") ? fstat(STDIN_FILENO, &si) : stat(in, &si);
	if (ro == 0 && ri == 0 && S_ISREG(si.st_mode) && so.st_dev == si.st_dev &&
	    so.st_ino == si.st_ino)
		usage_error("%s is also the input %s: it would be overwritten",
			out && strcmp(out, "-") ? out : "standard output", input_name(in));
}

int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-"))
		return 0;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
		sa.st_ino == sb.st_ino;
}
