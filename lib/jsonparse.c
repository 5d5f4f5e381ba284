/* jsonparse.c — one pass over a JSON text into a jansson tree (see jsonparse.h). */
#include "jsonparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_INT_DIGITS 18     /* always fits a json_int_t (long long) */
#define MAX_REAL_BYTES 64

/* What a byte means inside a string: 0 copy it, else look closer. */
enum { C_PLAIN = 0, C_QUOTE, C_ESCAPE, C_CONTROL, C_HIGH };

static unsigned char cls[256];
static int cls_ready;

static void
init_cls(void)
{
	for (int c = 0; c < 256; c++)
		cls[c] = c < 0x20 ? C_CONTROL : c >= 0x80 ? C_HIGH : C_PLAIN;
	cls['"'] = C_QUOTE;
	cls['\\'] = C_ESCAPE;
	cls_ready = 1;
}

struct parser {
	const char *p, *end;
	char *scratch;          /* unescaped strings; allocated on the first escape */
	size_t cap;
	int depth;
};

static inline void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/*
 * Length of the UTF-8 sequence at s (at most n bytes) when it is one that
 * jansson accepts (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF); 0 when it is not.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], v;
	size_t len;

	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return len;
}

/*
 * The string whose opening quote ps->p is at: its bytes in *out and *outlen,
 * pointing into the text when it has no escape, else into ps->scratch.
 * 0, or -1 when it is outside the subset.
 */
static int
read_string(struct parser *ps, const char **out, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)ps->p + 1;
	const unsigned char *end = (const unsigned char *)ps->end, *start = s;
	size_t n = 0, k;

	/* the common case: no escape, so the string is a slice of the text */
	for (;;) {
		while (s < end && cls[*s] == C_PLAIN)
			s++;
		if (s >= end)
			return -1;
		if (*s == '"') {
			*out = (const char *)start;
			*outlen = (size_t)(s - start);
			ps->p = (const char *)s + 1;
			return 0;
		}
		if (cls[*s] != C_HIGH)
			break;
		if (!(k = utf8_len(s, (size_t)(end - s))))
			return -1;
		s += k;
	}
	if (*s != '\\')
		return -1;   /* a control character: jansson's error */
	/* escapes: copy into scratch, which can hold the rest of the text */
	if (ps->cap < (size_t)(end - start) + 1) {
		char *p = realloc(ps->scratch, (size_t)(end - start) + 1);

		if (!p)
			return -1;
		ps->scratch = p;
		ps->cap = (size_t)(end - start) + 1;
	}
	n = (size_t)(s - start);
	memcpy(ps->scratch, start, n);
	while (s < end) {
		unsigned c = *s;

		switch (cls[c]) {
		case C_PLAIN:
			ps->scratch[n++] = (char)c;
			s++;
			continue;
		case C_QUOTE:
			*out = ps->scratch;
			*outlen = n;
			ps->p = (const char *)s + 1;
			return 0;
		case C_HIGH:
			if (!(k = utf8_len(s, (size_t)(end - s))))
				return -1;
			memcpy(ps->scratch + n, s, k);
			n += k;
			s += k;
			continue;
		case C_CONTROL:
			return -1;
		default:
			break;
		}
		if (s + 1 >= end)
			return -1;
		switch (s[1]) {
		case '"': c = '"'; break;
		case '\\': c = '\\'; break;
		case '/': c = '/'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		default:
			return -1;   /* \u (and bad escapes): jansson's */
		}
		ps->scratch[n++] = (char)c;
		s += 2;
	}
	return -1;
}

static json_t *read_value(struct parser *ps);

/*
 * The number at ps->p: 1 an integer in *iv, 2 a real in *dv; 0 when it is
 * outside the subset.  ps->p is moved past it only when it is read.
 */
static int
scan_number(struct parser *ps, long long *iv, double *dv)
{
	const char *p = ps->p, *end = ps->end, *digits;
	char tmp[MAX_REAL_BYTES];
	long long v = 0;
	char *e;
	int neg = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	digits = p;
	if (p < end && *p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return 0;
	} else if (p < end && *p >= '1' && *p <= '9') {
		/* past MAX_INT_DIGITS the value is not used: stop before it could overflow */
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (p - digits < MAX_INT_DIGITS)
				v = v * 10 + (*p - '0');
	} else {
		return 0;
	}
	if (p >= end || (*p != '.' && *p != 'e' && *p != 'E')) {
		if (p - digits > MAX_INT_DIGITS)
			return 0;
		ps->p = p;
		*iv = neg ? -v : v;
		return 1;
	}
	/* a decimal: exponents are jansson's (they are rare, and overflow is an error) */
	if (*p != '.')
		return 0;
	p++;
	if (p >= end || *p < '0' || *p > '9')
		return 0;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p < end && (*p == 'e' || *p == 'E'))
		return 0;
	if ((size_t)(p - ps->p) >= sizeof(tmp))
		return 0;
	memcpy(tmp, ps->p, (size_t)(p - ps->p));
	tmp[p - ps->p] = '\0';
	/* the same conversion as jansson's (strtod; pgs never sets a locale) */
	*dv = strtod(tmp, &e);
	if (e != tmp + (p - ps->p) || !isfinite(*dv))
		return 0;
	ps->p = p;
	return 2;
}

static json_t *
read_number(struct parser *ps)
{
	long long i;
	double d;

	switch (scan_number(ps, &i, &d)) {
	case 1:
		return json_integer(i);
	case 2:
		return json_real(d);
	default:
		return NULL;
	}
}

static json_t *
read_object(struct parser *ps)
{
	json_t *o = json_object(), *v;
	const char *key;
	char *owned = NULL;
	size_t klen, n = 0;

	if (!o)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return o;
	}
	for (;;) {
		if (ps->p >= ps->end || *ps->p != '"' || read_string(ps, &key, &klen) < 0)
			goto bad;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':')
			goto bad;
		ps->p++;
		skip_ws(ps);
		/* a key with escapes sits in scratch, which the value may reuse */
		if (key == ps->scratch) {
			if (!(owned = malloc(klen + 1)))
				goto bad;
			key = memcpy(owned, key, klen);
		}
		if (!(v = read_value(ps)) || json_object_setn_new_nocheck(o, key, klen, v) < 0)
			goto bad;
		free(owned);
		owned = NULL;
		/* a key given twice: jansson decides (an error, or the last one wins) */
		if (json_object_size(o) != ++n)
			goto bad;
		skip_ws(ps);
		if (ps->p >= ps->end)
			goto bad;
		if (*ps->p == '}') {
			ps->p++;
			return o;
		}
		if (*ps->p != ',')
			goto bad;
		ps->p++;
		skip_ws(ps);
	}
bad:
	free(owned);
	json_decref(o);
	return NULL;
}

static json_t *
read_array(struct parser *ps)
{
	json_t *a = json_array(), *v;

	if (!a)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return a;
	}
	for (;;) {
		if (!(v = read_value(ps)) || json_array_append_new(a, v) < 0)
			goto bad;
		skip_ws(ps);
		if (ps->p >= ps->end)
			goto bad;
		if (*ps->p == ']') {
			ps->p++;
			return a;
		}
		if (*ps->p != ',')
			goto bad;
		ps->p++;
		skip_ws(ps);
	}
bad:
	json_decref(a);
	return NULL;
}

static int
literal(struct parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return 0;
	ps->p += n;
	return 1;
}

static json_t *
read_value(struct parser *ps)
{
	const char *s;
	size_t n;
	json_t *v;

	if (ps->p >= ps->end)
		return NULL;
	switch (*ps->p) {
	case '"':
		return read_string(ps, &s, &n) < 0 ? NULL : json_stringn_nocheck(s, n);
	case '{':
	case '[':
		if (++ps->depth > MAX_DEPTH)
			return NULL;
		v = *ps->p == '{' ? read_object(ps) : read_array(ps);
		ps->depth--;
		return v;
	case 't':
		return literal(ps, "true", 4) ? json_true() : NULL;
	case 'f':
		return literal(ps, "false", 5) ? json_false() : NULL;
	case 'n':
		return literal(ps, "null", 4) ? json_null() : NULL;
	default:
		return read_number(ps);
	}
}

json_t *
pgs_json_fast(const char *buf, size_t len)
{
	struct parser ps = { buf, buf + len, NULL, 0, 0 };
	json_t *v = NULL;

	if (!cls_ready)
		init_cls();
	skip_ws(&ps);
	/* a JSON text is an object or an array (jansson without JSON_DECODE_ANY) */
	if (ps.p < ps.end && (*ps.p == '{' || *ps.p == '['))
		v = read_value(&ps);
	skip_ws(&ps);
	if (v && ps.p != ps.end) {
		json_decref(v);
		v = NULL;
	}
	free(ps.scratch);
	return v;
}

/*
 * The value at ps->p into the value v of obj at iter: set in place when v is
 * of the same kind and only obj holds it, else replaced.  0, or -1 outside
 * the subset.
 */
static int
reread_value(struct parser *ps, json_t *obj, void *iter, json_t *v)
{
	int mine = v && v->refcount == 1;
	const char *str;
	size_t n;
	long long i;
	double d;
	json_t *nv;

	if (ps->p >= ps->end)
		return -1;
	switch (*ps->p) {
	case '"':
		if (read_string(ps, &str, &n) < 0)
			return -1;
		if (mine && json_is_string(v))
			return json_string_setn_nocheck(v, str, n);
		nv = json_stringn_nocheck(str, n);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		switch (scan_number(ps, &i, &d)) {
		case 1:
			if (mine && json_is_integer(v))
				return json_integer_set(v, i);
			nv = json_integer(i);
			break;
		case 2:
			if (mine && json_is_real(v))
				return json_real_set(v, d);
			nv = json_real(d);
			break;
		default:
			return -1;
		}
		break;
	default:
		nv = read_value(ps);
		break;
	}
	return nv ? json_object_iter_set_new(obj, iter, nv) : -1;
}

/* The object text at ps->p into obj, which has the same keys in the same order; 0 or -1. */
static int
reread_object(struct parser *ps, json_t *obj)
{
	void *it = json_object_iter(obj);
	const char *key;
	size_t klen;

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return it ? -1 : 0;
	}
	for (;;) {
		if (!it || ps->p >= ps->end || *ps->p != '"' || read_string(ps, &key, &klen) < 0 ||
		    klen != json_object_iter_key_len(it) || memcmp(key, json_object_iter_key(it), klen) != 0)
			return -1;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':')
			return -1;
		ps->p++;
		skip_ws(ps);
		if (reread_value(ps, obj, it, json_object_iter_value(it)) < 0)
			return -1;
		it = json_object_iter_next(obj, it);
		skip_ws(ps);
		if (ps->p >= ps->end)
			return -1;
		if (*ps->p == '}') {
			ps->p++;
			return it ? -1 : 0;
		}
		if (*ps->p != ',')
			return -1;
		ps->p++;
		skip_ws(ps);
	}
}

int
pgs_json_reread(json_t *obj, const char *buf, size_t len)
{
	struct parser ps = { buf, buf + len, NULL, 0, 1 };
	int r = -1;

	if (!cls_ready)
		init_cls();
	if (!json_is_object(obj) || obj->refcount != 1)
		return -1;
	skip_ws(&ps);
	if (ps.p < ps.end && *ps.p == '{')
		r = reread_object(&ps, obj);
	skip_ws(&ps);
	if (ps.p != ps.end)
		r = -1;
	free(ps.scratch);
	return r;
}

json_t *
pgs_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err)
{
	json_t *v = NULL;

	/* flags that change what is accepted, or how, are jansson's to apply */
	if (!(flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)))
		v = pgs_json_fast(buf, len);
	return v ? v : json_loadb(buf, len, flags, err);
}
