/*
 * cli.h - what every tt program does the same way: messages, numbers,
 * output files, progress.  The programs link it; libtt.a does not hold it,
 * because this may print and exit.
 */
#ifndef CLI_H
#define CLI_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tts.h"

#define TT_VERSION "0.1.0"

/* Exit codes, the same for every program. */
#define EXIT_USAGE 2   /* bad options */
#define EXIT_INTERRUPTED 130

extern const char *progname;

/* Sets progname, and argv[0] to it for getopt's messages. */
void cli_init(char **argv);
/* "prog: message" to stderr, then exit 1 (output files removed, stdout
 * flushed, no library exit handlers: see cli.c). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "prog: out of memory for WHAT (N MB)" (or N bytes, when under 0.1 MB), exit 1 as die(). */
void die_oom(const char *what, size_t bytes) __attribute__((noreturn));
/* The same with ": strerror(errno)" appended. */
void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message\nTry 'prog --help'." to stderr, exit EXIT_USAGE. */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* After getopt has said what is wrong: "Try 'prog --help'.", exit EXIT_USAGE. */
void usage_hint(void) __attribute__((noreturn));
void print_version(void) __attribute__((noreturn)); /* "prog (tt) VERSION", exit 0 */

/* Numbers from option arguments, range-checked; die with the option name. */
long long parse_int(const char *opt, const char *s, long long min, long long max);
/* The blank-separated ids of a line of a list of ids (changed in place),
 * up to max of them before a '#' comment, into tok: how many; more dies,
 * naming file and line.  Each is an id as a person types it (id_parse). */
int id_line(char *line, char **tok, int max, const char *file, long lineno);
double parse_double(const char *opt, const char *s, double min, double max);
/* Which of the n names s is; a usage error "OPT: 'S' is not A, B or C". */
int parse_choice(const char *opt, const char *s, const char *const *names, int n)
	__attribute__((nonnull));

/* Thread counts, of -t/--threads and of $TT_THREADS alike: 1..THREADS_MAX. */
#define THREADS_MAX 256
#define THREADS_DEFAULT 2
/* The argument of -t/--threads; a usage error when it is not a count in
 * 1..THREADS_MAX. */
int parse_threads(const char *s);
/* The threads when no -t/--threads was given: $TT_THREADS, else
 * THREADS_DEFAULT (unset or empty alike).  Called after the options, so
 * that a bad value blocks neither --help nor an explicit --threads; a bad
 * value is a one-line error naming TT_THREADS, exit EXIT_USAGE. */
int default_threads(void);

/* Text for a person, such as a title in a TSV column: a tab as a blank,
 * and a control character, which a terminal could obey (C0, DEL, C1 as
 * UTF-8), as \xHH. */
void put_printable(FILE *f, const char *text);

/* Binary output: refuse a terminal (like zstd) unless forced. */
void refuse_tty(FILE *f);

/*
 * Output files: written to a temporary file beside path and renamed over
 * it on output_commit(), so a reader never sees a partial file and a
 * failure leaves the previous file intact.  path NULL or "-" is stdout.
 * If the program dies before commit, the temporary file is removed.
 */
typedef struct output output;
output *output_open(const char *path);
FILE *output_file(output *o);
void output_commit(output *o); /* flush, check, fsync, rename; dies on error */

/* fn runs at any exit, die() or fatal signal, after the output files'
 * temporaries are removed: a program's own temporary files.  It must be
 * async-signal-safe and may run more than once. */
void cli_at_cleanup(void (*fn)(void));
/* From now on SIGINT and SIGTERM set *flag to the signal instead of
 * ending the program: a long run stops where it can and says what it
 * wrote. */
void cli_stop_on(volatile sig_atomic_t *flag);

/* tts_reader_open and tts_writer_open, dying when they cannot (out of
 * memory, named with its size). */
tts_reader *stream_reader(FILE *f);
tts_writer *stream_writer(FILE *f, int level);
/* The end of a stream written by w into o (path as output_open had it):
 * rc, the writing's result, or the writer's close failing dies with the
 * writer's reason; otherwise the output is committed. */
void stream_commit(tts_writer *w, int rc, output *o, const char *path);

/* Input: path NULL or "-" is stdin; dies with the path on error. */
FILE *input_open(const char *path);
const char *input_name(const char *path); /* "<stdin>" for NULL or "-" */
/* A usage error when inputs a and b (what, then path as input_open has
 * it) are both standard input: the first reader would take the other's
 * bytes, or all of them. */
void inputs_apart(const char *a_what, const char *a, const char *b_what, const char *b);
/* Whether paths a and b (NULL or "-": standard input or output) name the
 * same existing file. */
int same_file(const char *a, const char *b);
/* A usage error when the output out (NULL or "-": standard output) is
 * the regular file that input in (NULL or "-": standard input) reads:
 * writing it would replace what is read. */
void output_apart(const char *out, const char *in);

/* Standard output: check for write errors at exit (fflush + ferror + fclose).
 * A closed pipe (EPIPE) ends the program quietly with status 0. */
void stdout_close(void);

/* Progress on stderr, only when stderr is a terminal. */
typedef struct {
	const char *what;
	uint64_t total, done;
	double start, last;
	int active;
} progress;
void progress_start(progress *p, const char *what, uint64_t total);
void progress_update(progress *p, uint64_t done, const char *extra);
void progress_end(progress *p);
/* The pace of a long run, for the end of its lines: "(R UNIT/s; 4m07s
 * in, [at most ]1h05m to go)", the times spent and left in seconds (left
 * below 0, past the plan: 0). */
void format_pace(char *buf, size_t n, double rate, const char *unit, double spent, double left,
	int at_most);

#endif
