/*
 * numeric_parse.h - converting text to numbers, for data fields and for
 * option arguments.
 *
 * A data field must be consumed whole by the conversion and be finite:
 * "", " 1", "1x", "NaN", "inf" and "1e999" are all refused.  Decimal
 * input is converted exactly (correctly rounded, as strtod does), so a
 * number printed by number_format_exact reads back bit for bit.
 */
#ifndef NUMERIC_PARSE_H
#define NUMERIC_PARSE_H

#include <stdbool.h>
#include <stddef.h>

enum numeric_status {
	NUMERIC_OK,
	NUMERIC_EMPTY,		/* the field is empty */
	NUMERIC_NOT_A_NUMBER,	/* text that is not a number */
	NUMERIC_NOT_FINITE	/* NaN, an infinity, or out of range */
};

/*
 * Convert the length bytes at text (which need not be NUL-terminated,
 * but must be followed by a readable byte) into *value.  Returns
 * NUMERIC_OK or the reason for refusing; *value is set only on success.
 */
enum numeric_status numeric_parse_double(const char *text, size_t length,
    double *value);

/* A phrase for a status: "empty", "not a number", "not finite". */
const char *numeric_status_phrase(enum numeric_status status);

/*
 * Option arguments.  Each takes the option as the user wrote it (for
 * example "-k" or "--bins"), checks the whole argument is a number in
 * [min, max], and otherwise ends the program with a usage error (exit 2)
 * naming the option, the value and the range expected.
 */
long option_parse_long(const char *option, const char *argument, long min,
    long max);
unsigned long long option_parse_seed(const char *option,
    const char *argument);
double option_parse_double(const char *option, const char *argument,
    double min, double max);

#endif
