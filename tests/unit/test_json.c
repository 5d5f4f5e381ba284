/* test_json.c — pgs_json_dump, the one row serializer: byte for byte jansson's
 * JSON_COMPACT | JSON_REAL_PRECISION(15), and 0.1 printed as 0.1. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndjson.h"
#include "unit.h"

#define FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

/* pgs_json_dump(v) equals jansson's dump; reports the value on a mismatch. */
static int
same_as_jansson(json_t *v)
{
	pgs_buf b = { 0 };
	char *want = json_dumps(v, FLAGS);
	int ok = pgs_json_dump(&b, v) == 0 && want && b.s && strcmp(b.s, want) == 0;

	if (!ok)
		printf("  mismatch: got %s, want %s\n", b.s ? b.s : "(null)", want ? want : "(null)");
	free(want);
	pgs_buf_free(&b);
	return ok;
}

static const char *
dump(json_t *v, pgs_buf *b)
{
	pgs_buf_reset(b);
	if (pgs_json_dump(b, v) < 0)
		return NULL;
	return b->s;
}

static void
test_reals(void)
{
	static const double cases[] = {
		0.0, -0.0, 0.1, 0.5, 36.2, 1.0, -1.0, 100.0, 1e15, 1e16, 1e17, 1e21, 1e100,
		1e-5, 1.5e-7, 1e-300, 123456789012345.0, 1234567890123456.0, 2.5e-308,
		0.3333333333333333, 2.0 / 3.0, 12.345678901234567, -98.76, 5e-324, 1.7976931348623157e308,
	};
	pgs_buf b = { 0 };
	json_t *v;
	int ok = 1;
	unsigned seed = 12345;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = json_real(cases[i]);
		ok &= same_as_jansson(v);
		json_decref(v);
	}
	/* many pseudo-random doubles over every magnitude */
	for (int i = 0; i < 20000; i++) {
		double x;

		seed = seed * 1103515245u + 12345u;
		x = (double)(seed >> 8) / 997.0 * pow(10.0, (int)(seed % 40) - 20);
		v = json_real(i % 2 ? x : -x);
		ok &= same_as_jansson(v);
		json_decref(v);
	}
	CHECK(ok);
	v = json_real(0.1);
	CHECK_STR(dump(v, &b), "0.1");	/* jansson's default 17 digits: 0.10000000000000001 */
	json_decref(v);
	v = json_real(36.2);
	CHECK_STR(dump(v, &b), "36.2");
	json_decref(v);
	v = json_real(3.0);
	CHECK_STR(dump(v, &b), "3.0");
	json_decref(v);
	v = json_real(1e-5);
	CHECK_STR(dump(v, &b), "1e-5");
	json_decref(v);
	v = json_real(1e21);
	CHECK_STR(dump(v, &b), "1e21");
	json_decref(v);
	pgs_buf_free(&b);
}

static void
test_values(void)
{
	static const char *const docs[] = {
		"{}", "[]", "{\"a\":[]}", "null", "true", "false", "0", "-1",
		"9223372036854775807", "-9223372036854775808",
		"\"\"", "\"a\\\"b\\\\c\\/d\"", "\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"",
		"\"Nikola Joki\\u0107 \\u00df \\ud83c\\udfc0\"",
		"{\"z\":1,\"a\":2,\"m\":{\"y\":[1,2.5,\"x\",null,true,{\"k\":false}]}}",
		"{\"game_id\":\"20240110_BOS_NYK\",\"minutes\":\"36:11\",\"points\":31,\"efg\":0.574,\"q\":[]}",
	};
	pgs_buf b = { 0 };
	json_t *v, *s;
	int ok = 1;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		v = json_loads(docs[i], JSON_DECODE_ANY, NULL);
		if (!v) {
			printf("  test bug: cannot parse %s\n", docs[i]);
			ok = 0;
			continue;
		}
		ok &= same_as_jansson(v);
		json_decref(v);
	}
	CHECK(ok);
	/* a NUL inside a string is written, escaped, not cut */
	s = json_stringn("a\0b", 3);
	CHECK_STR(dump(s, &b), "\"a\\u0000b\"");
	CHECK(same_as_jansson(s));
	json_decref(s);
	/* keys in insertion order, compact */
	v = json_pack("{s:i, s:s, s:n}", "b", 1, "a", "x", "c");
	CHECK_STR(dump(v, &b), "{\"b\":1,\"a\":\"x\",\"c\":null}");
	json_decref(v);
	/* appends: the caller's buffer is not reset */
	pgs_buf_reset(&b);
	pgs_buf_adds(&b, "x=");
	v = json_integer(7);
	CHECK_INT(pgs_json_dump(&b, v), 0);
	CHECK_STR(b.s, "x=7");
	json_decref(v);
	pgs_buf_free(&b);
}

/* pgs_json_is_dump: 1 only for texts that pgs_json_dump() of their parse writes back byte for byte. */
static void
test_is_dump(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":true,\"e\":false,\"f\":-12}", 1 },
		{ "{}", 1 },
		{ "{\"s\":\"a \\\"q\\\" \\\\ \\n\\t é {[:,]} 1.5e3 -0\"}", 1 }, /* all inside a string */
		{ "{\"a\": 1}", 0 },                          /* white space */
		{ "{\"a\":1.5}", 0 },                         /* a real: printed to 15 digits */
		{ "{\"a\":1e5}", 0 },
		{ "{\"a\":1E5}", 0 },
		{ "{\"a\":-0}", 0 },                          /* printed 0 */
		{ "{\"a\":\"\\/\"}", 0 },                     /* printed / */
		{ "{\"a\":\"\\u0041\"}", 0 },                 /* printed A */
		{ "{\"a\":[1]}", 0 },                         /* not flat */
		{ "{\"a\":{\"b\":1}}", 0 },
		{ "{\"a\":1,\"a\":2}", 0 },                     /* a key twice: one member */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		json_t *v = json_loadb(t, strlen(t), 0, NULL);
		pgs_buf b = { 0 };
		int got;

		CHECK(v != NULL);
		got = pgs_json_is_dump(t, strlen(t), v);
		if (got != cases[i].want)
			printf("  pgs_json_is_dump(%s) = %d\n", t, got);
		CHECK_INT(got, cases[i].want);
		/* what it vouches for is so */
		if (got) {
			CHECK_INT(pgs_json_dump(&b, v), 0);
			CHECK(b.s && strcmp(b.s, t) == 0);
		}
		pgs_buf_free(&b);
		json_decref(v);
	}
	CHECK_INT(pgs_json_is_dump("[1]", 3, NULL), 0);
}

int
main(void)
{
	test_reals();
	test_values();
	test_is_dump();
	return unit_report();
}
