/* error.c - the one-line reasons the library returns. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int nomemf(char *err, size_t errlen, const char *what, size_t bytes)
{
	if (bytes < 100000)
		errorf(err, errlen, "out of memory for %s (%zu bytes)", what, bytes);
	else
		errorf(err, errlen, "out of memory for %s (%.1f MB)", what, bytes / 1e6);
	return ERR_NOMEM;
}
