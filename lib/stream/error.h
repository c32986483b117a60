/*
 * error.h - how the library reports a failure: -1 and a one-line reason
 * in a caller's buffer (ERR_NOMEM when memory ran out).  The library never
 * prints or exits; the program says the reason and decides.
 */
#ifndef ERROR_H
#define ERROR_H

#include <stddef.h>

/* A one-line reason into err (when it is not NULL); returns -1, so that
 * library code can say `return errorf(err, errlen, "...", ...);`. */
int errorf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Out of memory, apart from -1 (misuse, bad data): "out of memory for
 * WHAT (SIZE)" into err, the size in bytes or MB as the programs print it;
 * returns ERR_NOMEM. */
#define ERR_NOMEM (-2)
int nomemf(char *err, size_t errlen, const char *what, size_t bytes);

#endif
