/* fuzz_formats — format detection (lib/formats.c) as pgs-extract's driver does it: the head of
 * an input (its first non-blank line, then more lines joined by '\n' while a format says MORE,
 * up to 1 MiB), then the chosen format's reader over the input. */
#include "fuzz.h"

#define HEAD_MAX (1 << 20)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgs_fmt_opts opts = { 0 };
	const struct pgs_format *f = NULL;
	char *buf = fuzz_str(data, size), *p = buf, *end = buf + size, *nl;
	pgs_buf head = { 0 };
	size_t len;
	int more = 0;

	fuzz_setup();
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (head.len == 0 && strspn(p, " \t") >= len)
			continue; /* detect from the first non-blank line */
		if (head.len > 0)
			pgs_buf_add(&head, "\n", 1);
		pgs_buf_add(&head, p, len);
		f = pgs_format_detect(head.s, head.len, head.len < HEAD_MAX ? &more : NULL);
		if (f || !more)
			break;
	}
	if (!f && more)
		f = pgs_format_detect(head.s, head.len, NULL);
	if (f) {
		FUZZ_ASSERT(pgs_format_find(f->name) == f);
		fuzz_feed(f, &opts, data, size);
	}
	pgs_buf_free(&head);
	free(buf);
	return 0;
}
