/* SPDX-License-Identifier: MIT */
/*
 * Every entry of the request table, declared once: each area defines its
 * entries beside its handlers (the file named on each line), and
 * request_table.c lists them. Include this, not request.h, from a file
 * that defines entries.
 */
#ifndef TDKT_SERVER_DISPATCH_REQUEST_TYPES_H
#define TDKT_SERVER_DISPATCH_REQUEST_TYPES_H

#include "server/dispatch/request.h"

extern const struct request_type status_req;          /* server/dispatch/status_request.c */
extern const struct request_type notes_req_put;       /* server/results/notes_requests.c */
extern const struct request_type registry_req_put;    /* server/registry/registry_requests.c */
extern const struct request_type results_req_put;     /* server/results/results_requests.c */
extern const struct request_type results_req_get;     /* server/results/results_requests.c */
extern const struct request_type sync_req_pull;       /* server/sync/sync_requests.c */
extern const struct request_type reconcile_req;       /* server/reconcile/reconcile_requests.c */
extern const struct request_type ballot_req_open;     /* server/ballot/ballot_requests.c */
extern const struct request_type ballot_req_cast;     /* server/ballot/ballot_requests.c */
extern const struct request_type ballot_req_action;   /* server/ballot/ballot_requests.c */
extern const struct request_type ballot_req_paper;    /* server/ballot/ballot_requests.c */
extern const struct request_type ballot_req_get;      /* server/ballot/ballot_requests.c */
extern const struct request_type ballot_req_list;     /* server/ballot/ballot_requests.c */
extern const struct request_type review_req_submit;   /* server/review/review_requests.c */
extern const struct request_type review_req_step;     /* server/review/review_requests.c */
extern const struct request_type review_req_decision; /* server/review/review_requests.c */
extern const struct request_type review_req_get;      /* server/review/review_requests.c */
extern const struct request_type review_req_list;     /* server/review/review_requests.c */
extern const struct request_type review_req_history;  /* server/review/review_requests.c */
extern const struct request_type review_req_report;   /* server/review/review_requests.c */
extern const struct request_type review_req_quota;    /* server/review/quota_requests.c */
extern const struct request_type council_req_vote;    /* server/council/council_requests.c */
extern const struct request_type council_req_cast;    /* server/council/council_requests.c */
extern const struct request_type council_req_close;   /* server/council/council_requests.c */

#endif
