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
