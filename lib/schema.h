/*
 * schema.h — the fields of the two row kinds, in order: the raw row
 * (pgs-extract's output, table raw_boxscores) and the summary row
 * (pgs-transform's output, table player_game_summary).  Stores create their
 * columns from these tables and bind values by name, so a field is added in
 * one place.
 */
#ifndef PGS_SCHEMA_H
#define PGS_SCHEMA_H

#include <stddef.h>

enum pgs_ftype {
	PGS_T_TEXT,
	PGS_T_INT,
	PGS_T_REAL,
	PGS_T_BOOL,
	PGS_T_DATE,   /* "YYYY-MM-DD" text */
	PGS_T_JSON,   /* array/object, stored as JSON text */
};

struct pgs_field {
	const char *name;
	enum pgs_ftype type;
	int content;    /* part of the row's content: hashed into data_hash */
	int required;   /* a row without it (or with null) is a reject */
};

extern const struct pgs_field pgs_raw_fields[];
extern const size_t pgs_raw_nfields;
extern const struct pgs_field pgs_summary_fields[];
extern const size_t pgs_summary_nfields;

/* The counting stats of a raw row, in the order of the raw table. */
extern const char *const pgs_stat_fields[];
extern const size_t pgs_stat_nfields;

/* Look a field up by name in a field table; NULL when absent. */
const struct pgs_field *pgs_field_find(const struct pgs_field *f, size_t n, const char *name);

#endif
