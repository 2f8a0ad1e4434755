/* SPDX-License-Identifier: MIT */
/*
 * The request table: every message a client may send, in one list. An
 * entry says who may send it and whether it writes; its handlers live with
 * its area (request_types.h names the file of each). request_prepare finds
 * the entry by the Envelope's body case.
 */
#include "server/dispatch/request_types.h"

const struct request_type *const request_types[] = {
    &status_req,       &notes_req_put,     &registry_req_put,   &results_req_put,
    &results_req_get,  &sync_req_pull,     &reconcile_req,      &ballot_req_open,
    &ballot_req_cast,  &ballot_req_action, &ballot_req_paper,   &ballot_req_get,
    &ballot_req_list,  &review_req_submit, &review_req_step,    &review_req_decision,
    &review_req_get,   &review_req_list,   &review_req_history, &review_req_report,
    &review_req_quota, &council_req_vote,  &council_req_cast,   &council_req_close,
};

const size_t request_types_n = sizeof request_types / sizeof request_types[0];
