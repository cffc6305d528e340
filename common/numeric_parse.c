/*
 * numeric_parse.c - strict, fast and exact conversion of decimal text.
 *
 * Reading numbers is most of the work of every fit in the toolchain, so
 * the common case takes a fast path: at most 19 significant digits whose
 * value m is below 2^53 and a decimal exponent e with |e| <= 22.  Then m
 * and 10^|e| are both exact doubles and one IEEE multiplication or
 * division gives the correctly rounded result (Clinger's fast path,
 * "How to read floating point numbers accurately", PLDI 1990).  Every
 * other number goes to strtod, which is correctly rounded in glibc.  The
 * syntax is checked here first, so strtod never sees hexadecimal, "inf"
 * or "nan", and the C locale's '.' is the decimal point.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "numeric_parse.h"

static const double exact_powers_of_ten[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* Whether text spells NaN or an infinity, as strtod would accept it. */
static bool
spells_non_finite(const char *text, size_t length)
{
	if (length > 0 && (text[0] == '+' || text[0] == '-'))
		text++, length--;
	return (length == 3 && (strncasecmp(text, "nan", 3) == 0 ||
	    strncasecmp(text, "inf", 3) == 0)) ||
	    (length == 8 && strncasecmp(text, "infinity", 8) == 0);
}

static enum numeric_status
convert_with_strtod(const char *text, size_t length, double *value)
{
	char local[128];
	char *copy = length < sizeof(local) ? local : xmalloc(length + 1);
	char *end;
	double result;

	memcpy(copy, text, length);
	copy[length] = '\0';
	errno = 0;
	result = strtod(copy, &end);
	if (copy != local)
		free(copy);
	if (!isfinite(result))
		return NUMERIC_NOT_FINITE;
	*value = result;
	return NUMERIC_OK;
}

static inline bool
is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

enum numeric_status
numeric_parse_double(const char *text, size_t length, double *value)
{
	const char *p = text, *end = text + length;
	uint64_t mantissa = 0;
	int n_digits = 0;		/* digits in mantissa, after zeros */
	bool any_digit = false, truncated = false, negative = false;
	bool exponent_negative = false;
	long exponent = 0, explicit_exponent = 0;

	if (length == 0)
		return NUMERIC_EMPTY;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	/* Leading zeros carry nothing; then up to 19 digits are kept. */
	for (; p < end && *p == '0'; p++)
		any_digit = true;
	for (; p < end && is_digit(*p); p++) {
		any_digit = true;
		if (n_digits < 19)
			mantissa = mantissa * 10 + (uint64_t)(*p - '0'),
			    n_digits++;
		else
			exponent++, truncated = true;
	}
	if (p < end && *p == '.') {
		p++;
		if (n_digits == 0)
			for (; p < end && *p == '0'; p++)
				exponent--, any_digit = true;
		for (; p < end && is_digit(*p); p++) {
			any_digit = true;
			if (n_digits < 19)
				mantissa = mantissa * 10 + (uint64_t)(*p - '0'),
				    n_digits++, exponent--;
			else
				truncated = true;
		}
	}
	if (!any_digit)
		goto not_a_number;
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *exponent_start = ++p;

		if (p < end && (*p == '+' || *p == '-'))
			exponent_negative = *p++ == '-';
		for (; p < end && is_digit(*p); p++)
			if (explicit_exponent < 100000)
				explicit_exponent = explicit_exponent * 10 +
				    (*p - '0');
		if (p == exponent_start || !is_digit(p[-1]))
			goto not_a_number;
	}
	if (p != end)
		goto not_a_number;
	exponent += exponent_negative ? -explicit_exponent : explicit_exponent;

	if (truncated || mantissa > (UINT64_C(1) << 53) || exponent < -22 ||
	    exponent > 22)
		return convert_with_strtod(text, length, value);
	*value = exponent < 0 ?
	    (double)mantissa / exact_powers_of_ten[-exponent] :
	    (double)mantissa * exact_powers_of_ten[exponent];
	if (negative)
		*value = -*value;
	return NUMERIC_OK;

not_a_number:
	return spells_non_finite(text, length) ? NUMERIC_NOT_FINITE :
	    NUMERIC_NOT_A_NUMBER;
}

const char *
numeric_status_phrase(enum numeric_status status)
{
	switch (status) {
	case NUMERIC_OK:
		return "a number";
	case NUMERIC_EMPTY:
		return "empty";
	case NUMERIC_NOT_A_NUMBER:
		return "not a number";
	case NUMERIC_NOT_FINITE:
		return "not a finite number";
	}
	return "not a number";
}

long
option_parse_long(const char *option, const char *argument, long min,
    long max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(argument, &end, 10);
	if (*argument == '\0' || *end != '\0' || errno == ERANGE ||
	    value < min || value > max || argument[0] == ' ')
		diag_usage("option %s: '%s' is not a whole number from %ld "
		    "to %ld", option, diag_quote(argument, strlen(argument)),
		    min, max);
	return value;
}

unsigned long long
option_parse_seed(const char *option, const char *argument)
{
	char *end;
	unsigned long long value;

	errno = 0;
	value = strtoull(argument, &end, 10);
	if (*argument < '0' || *argument > '9' || *end != '\0' ||
	    errno == ERANGE)
		diag_usage("option %s: '%s' is not a whole number from 0 to "
		    "%llu", option, diag_quote(argument, strlen(argument)),
		    ULLONG_MAX);
	return value;
}

double
option_parse_double(const char *option, const char *argument, double min,
    double max)
{
	double value;

	if (numeric_parse_double(argument, strlen(argument), &value) !=
	    NUMERIC_OK || value < min || value > max)
		diag_usage("option %s: '%s' is not a number from %g to %g",
		    option, diag_quote(argument, strlen(argument)), min, max);
	return value;
}
