/* Symbols a static libseccomp built against glibc needs when hull is linked
 * with musl (see the Makefile): glibc's _FORTIFY_SOURCE variants of stdio
 * calls. libseccomp only calls them to print filters as pseudo code, which
 * hull never asks for; they behave as the plain calls, without the checks. */
#if !defined(__GLIBC__)
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}
#endif
