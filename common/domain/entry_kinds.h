/* SPDX-License-Identifier: MIT */
/*
 * The kinds of ledger entries: the name each entry carries in the ledger's
 * `kind` column and in LedgerEntry.kind on the wire, and the message its
 * payload holds (docs/protocol.md §7.9). One name each, used by the server
 * that writes and replays entries and by the client that reads them, so a
 * misspelt kind does not compile. A kind is never renamed: entries already
 * written keep theirs. In SQL, write "... kind = '" ENTRY_NOTE_PUT "'".
 */
#ifndef TDKT_COMMON_DOMAIN_ENTRY_KINDS_H
#define TDKT_COMMON_DOMAIN_ENTRY_KINDS_H

/* The registry of units and their certificates (RegistryEntry). */
#define ENTRY_UNIT_REGISTER "unit.register"
#define ENTRY_UNIT_REVOKE   "unit.revoke"
#define ENTRY_CERT_ISSUE    "cert.issue"
#define ENTRY_CERT_REVOKE   "cert.revoke"
/* A Council member's own certificate (PersonCertIssue, PersonCertRevoke). */
#define ENTRY_PERSON_CERT_ISSUE  "person_cert.issue"
#define ENTRY_PERSON_CERT_REVOKE "person_cert.revoke"

/* The yearly registry (RegistryRecord, server/registry/catalog.c). */
#define ENTRY_PERSON_REGISTER "person.register"
#define ENTRY_PERIOD_SET      "period.set"
#define ENTRY_CLUSTER_SET     "cluster.set"
#define ENTRY_COUNCIL_SET     "council.set"  /* the Council of a year (catalog.c) */
#define ENTRY_COUNCIL_VOTE    "council.vote" /* a Council ballot's result (server/council) */
#define ENTRY_CRITERIA_SET    "criteria.set"
#define ENTRY_RULES_SET       "rules.set"

/* An office's writes. */
#define ENTRY_NOTE_PUT   "note.put"   /* NotePut */
#define ENTRY_RESULT_PUT "result.put" /* ResultEntry */

/* Ballots (server/ballot/ballot.c). */
#define ENTRY_BALLOT_OPEN    "ballot.open"
#define ENTRY_BALLOT_VOTED   "ballot.voted"
#define ENTRY_BALLOT_BOX     "ballot.box"
#define ENTRY_BALLOT_SEAL    "ballot.seal"
#define ENTRY_BALLOT_TALLY   "ballot.tally"
#define ENTRY_BALLOT_PUBLISH "ballot.publish"
#define ENTRY_BALLOT_PAPER   "ballot.paper"

/* The Council's electronic votes (server/council), opened by council.vote. */
#define ENTRY_COUNCIL_CAST  "council.cast" /* CouncilCastRecord, actor: the member */
#define ENTRY_COUNCIL_BOX   "council.box"  /* CouncilBoxed: a secret vote's choices, at the close */
#define ENTRY_COUNCIL_CLOSE "council.close" /* CouncilClosed: the counts */

/* Review (server/review/review.c). */
#define ENTRY_SUBMISSION_PUT      "submission.put"
#define ENTRY_SUBMISSION_VERDICTS "submission.verdicts"
#define ENTRY_REVIEW_STEP         "review.step"
#define ENTRY_DECISION_RECORD     "decision.record"

#endif
