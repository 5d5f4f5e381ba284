/*
 * dl_pq.h — libpq, loaded on first use (see dl.h).  Include after
 * <libpq-fe.h>: from here on PQexec(...) and the other functions listed
 * below call through pgs_dl_pq.  A libpq function pgs starts to use is added
 * to both lists, or the tool does not link (no -lpq).
 */
#ifndef PGS_DL_PQ_H
#define PGS_DL_PQ_H

#include <libpq-fe.h>

#include "dl.h"

#define PGS_DL_PQ_FUNCS(X) \
	X(PQclear) X(PQconnectdbParams) X(PQerrorMessage) X(PQescapeIdentifier) X(PQexec) \
	X(PQbackendPID) X(PQexecParams) X(PQfinish) X(PQfreemem) X(PQgetResult) X(PQgetisnull) X(PQgetlength) \
	X(PQgetvalue) X(PQlibVersion) X(PQntuples) X(PQputCopyData) X(PQputCopyEnd) X(PQresultErrorField) \
	X(PQresultErrorMessage) X(PQresultStatus) X(PQsendQueryParams) X(PQsetNoticeProcessor) \
	X(PQserverVersion) X(PQsetSingleRowMode) X(PQsocket) X(PQstatus) X(PQtransactionStatus)

struct pgs_dl_pq {
	PGS_DL_PQ_FUNCS(PGS_DL_MEMBER)
};
extern struct pgs_dl_pq pgs_dl_pq;
extern struct pgs_dl_lib pgs_dl_libpq;   /* "libpq.so.5", for a "PostgreSQL store" */

/* Load libpq: 0, or -1 after "PostgreSQL store needs libpq.so.5: …". */
#define pgs_dl_pq_open() pgs_dl_open(&pgs_dl_libpq, NULL)

#define PGS_DL_PQ(f) PGS_DL_CALL(pgs_dl_libpq, pgs_dl_pq, f)
#define PQbackendPID            PGS_DL_PQ(PQbackendPID)
#define PQclear                 PGS_DL_PQ(PQclear)
#define PQconnectdbParams       PGS_DL_PQ(PQconnectdbParams)
#define PQerrorMessage          PGS_DL_PQ(PQerrorMessage)
#define PQescapeIdentifier      PGS_DL_PQ(PQescapeIdentifier)
#define PQexec                  PGS_DL_PQ(PQexec)
#define PQexecParams            PGS_DL_PQ(PQexecParams)
#define PQfinish                PGS_DL_PQ(PQfinish)
#define PQfreemem               PGS_DL_PQ(PQfreemem)
#define PQgetResult             PGS_DL_PQ(PQgetResult)
#define PQgetisnull             PGS_DL_PQ(PQgetisnull)
#define PQgetlength             PGS_DL_PQ(PQgetlength)
#define PQgetvalue              PGS_DL_PQ(PQgetvalue)
#define PQlibVersion            PGS_DL_PQ(PQlibVersion)
#define PQntuples               PGS_DL_PQ(PQntuples)
#define PQputCopyData           PGS_DL_PQ(PQputCopyData)
#define PQputCopyEnd            PGS_DL_PQ(PQputCopyEnd)
#define PQresultErrorField      PGS_DL_PQ(PQresultErrorField)
#define PQresultErrorMessage    PGS_DL_PQ(PQresultErrorMessage)
#define PQresultStatus          PGS_DL_PQ(PQresultStatus)
#define PQsendQueryParams       PGS_DL_PQ(PQsendQueryParams)
#define PQsetNoticeProcessor    PGS_DL_PQ(PQsetNoticeProcessor)
#define PQserverVersion         PGS_DL_PQ(PQserverVersion)
#define PQsetSingleRowMode      PGS_DL_PQ(PQsetSingleRowMode)
#define PQsocket                PGS_DL_PQ(PQsocket)
#define PQstatus                PGS_DL_PQ(PQstatus)
#define PQtransactionStatus     PGS_DL_PQ(PQtransactionStatus)

#endif
