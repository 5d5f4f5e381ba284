/* fuzz_aliases — pgs-resolve's aliases file (pgs_registry_read_aliases, lib/registry.c). */
#include "fuzz.h"
#include "registry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgs_registry *r;
	int rc;

	fuzz_setup();
	r = pgs_registry_new();
	rc = pgs_registry_read_aliases(r, fuzz_file(data, size));
	FUZZ_ASSERT(rc == 0 || rc == -1 || rc == -2);
	pgs_registry_free(r);
	return 0;
}
