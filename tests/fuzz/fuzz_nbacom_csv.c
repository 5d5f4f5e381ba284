/* fuzz_nbacom_csv — the nbacom-csv reader (lib/fmt_nbacom_csv.c, lib/csv.c), with and without
 * the --map fix of the real export (chosen by the first byte). */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const maps[] = { "TO=steals", "STL=blocks", "BLK=turnovers" };
	struct pgs_fmt_opts opts = { 0 };

	if (size > 0 && data[0] == 'M') {
		opts.maps = maps;
		opts.nmaps = 3;
		data++;
		size--;
	}
	fuzz_feed(&pgs_fmt_nbacom_csv, &opts, data, size);
	return 0;
}
