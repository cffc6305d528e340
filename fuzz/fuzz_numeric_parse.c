/*
 * fuzz_numeric_parse.c - libFuzzer harness for common/numeric_parse.c
 * and the number printing of common/tsv_writer.c.
 *
 * The input is one field's bytes.  Besides crashes and undefined
 * behaviour, the harness checks what the parser promises:
 *  - an accepted field is finite, and is the double strtod gives for the
 *    same text, bit for bit, with strtod consuming all of it (so the
 *    fast path is exactly rounded);
 *  - a field refused as "not finite" is one strtod reads as NaN or an
 *    infinity, or one that overflows;
 *  - a field strtod reads whole as a finite number is accepted, unless
 *    it uses a form the parser refuses on purpose (leading blanks, hex);
 *  - number_format_exact prints a double that reads back bit for bit,
 *    and number_format at every precision prints one that reads back;
 *  - the parser never reads past the length it is given (the byte after
 *    the field is a digit, which would change the value if it did).
 * The option parsers run on the same text, NUL-terminated, and must
 * either return a value in range or end through diag_usage (exit 2).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "numeric_parse.h"
#include "tsv_writer.h"

static bool
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Forms strtod takes that the parser refuses by design. */
static bool
uses_refused_form(const char *text)
{
	return strchr(" \t\n\v\f\r", text[0]) != NULL ||
	    strpbrk(text, "xXpP") != NULL;
}

static void
check_against_strtod(const char *text, size_t length,
    enum numeric_status status, double value)
{
	char *end;
	double expected;

	if (strlen(text) != length)
		return;	/* a NUL inside: strtod would stop there */
	expected = strtod(text, &end);
	if (status == NUMERIC_OK) {
		if (!isfinite(value))
			fuzz_fail("accepted a non-finite value");
		if (*end != '\0')
			fuzz_fail("accepted text that strtod does not read "
			    "whole");
		if (!same_bits(value, expected))
			fuzz_fail("value differs from strtod's");
	} else if (status == NUMERIC_NOT_FINITE) {
		if (*end == '\0' && isfinite(expected))
			fuzz_fail("refused as not finite a finite number");
	} else if (length > 0 && *end == '\0' && isfinite(expected) &&
	    !uses_refused_form(text))
		fuzz_fail("refused a number strtod reads whole");
}

static void
check_printing(double value)
{
	char buffer[64];
	double back;
	int precision;

	number_format_exact(value, buffer);
	if (numeric_parse_double(buffer, strlen(buffer), &back) !=
	    NUMERIC_OK || !same_bits(value == 0 ? 0 : value, back))
		fuzz_fail("exact printing does not read back bit for bit");
	for (precision = 1; precision <= 17; precision++) {
		number_format(value, precision, buffer);
		if (numeric_parse_double(buffer, strlen(buffer), &back) !=
		    NUMERIC_OK)
			fuzz_fail("printed number does not read back");
	}
}

struct option_case {
	const char *text;
};

static void
parse_as_options(void *context)
{
	const struct option_case *option = context;
	long whole;
	double real;

	whole = option_parse_long("-k", option->text, -5, 1000000);
	if (whole < -5 || whole > 1000000)
		fuzz_fail("option_parse_long returned a value out of range");
	real = option_parse_double("--alpha", option->text, 0, 1e6);
	if (!(real >= 0 && real <= 1e6))
		fuzz_fail("option_parse_double returned a value out of range");
}

static void
parse_as_seed(void *context)
{
	const struct option_case *option = context;

	(void)option_parse_seed("-s", option->text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2);
	struct option_case option = { text };
	enum numeric_status status;
	double value = 0;
	int exit_status;

	fuzz_setup("fuzz_numeric_parse");
	memcpy(text, data, size);
	text[size] = '7';
	text[size + 1] = '\0';
	status = numeric_parse_double(text, size, &value);
	text[size] = '\0';
	check_against_strtod(text, size, status, value);
	if (status == NUMERIC_OK)
		check_printing(value);
	if (strlen(text) == size) {
		exit_status = fuzz_run(parse_as_options, &option);
		if (exit_status != 0 && exit_status != 2)
			fuzz_fail("option parsers ended with a status not 2");
		exit_status = fuzz_run(parse_as_seed, &option);
		if (exit_status != 0 && exit_status != 2)
			fuzz_fail("option_parse_seed ended with status "
			    "other than 2");
	}
	free(text);
	return 0;
}
