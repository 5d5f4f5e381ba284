/* contract.h — the row-contract unit tests (test_contract.c), run from test_lib.c's main(). */
#ifndef PGS_UNIT_CONTRACT_H
#define PGS_UNIT_CONTRACT_H

/* Run the tests of lib/rawcheck, lib/sumcheck and lib/csv; add their counts to *passed, *failed. */
void test_contract(int *passed, int *failed);

#endif
