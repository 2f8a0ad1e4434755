/* SPDX-License-Identifier: MIT */
/*
 * Reading ballots: ballot_get() (one ballot, BallotInfo) and ballot_list()
 * (BallotListReply), each showing a unit what its role allows
 * (docs/ballots.md §4.5). Roll members, the opener and the central office
 * see a ballot; a paper ballot, the members of its cluster that year. Who
 * voted is shown to the roll; what a statement says, the box and the result
 * are shown to the roll once published, and to the opener and the central
 * office as soon as they exist. A voter always sees its own statement.
 *
 * Reads only: nothing here appends an entry or changes a row, and no rule
 * of the vote is decided here.
 */
#include "server/ballot/ballot.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ballot/ballot_store.h"
#include "server/registry/catalog.h"
#include "server/ledger/sql.h"

void ballot_info_free(Tdkt__BallotInfo *i)
{
    if (i)
        tdkt__ballot_info__free_unpacked(i, NULL);
}

void ballot_list_free(Tdkt__BallotListReply *r)
{
    if (r)
        tdkt__ballot_list_reply__free_unpacked(r, NULL);
}

static const char *state_now(const struct ballot_row *b, int64_t now)
{
    if (strcmp(b->state, "open") == 0 && now >= b->closes_ms)
        return "closed";
    return b->state;
}

/* A paper ballot has no roll of its own: its cluster's members that year
 * see its result, as a roll would once published. */
static int paper_member(struct ledger *l, const struct ballot_row *b, const char *unit)
{
    char cluster[RECORD_CODE_MAX + 1];
    return strcmp(b->state, "paper") == 0 && catalog_unit_cluster(l, b->year, unit, cluster) == 0 &&
           strcmp(cluster, b->cluster) == 0;
}

/* What the reply may show this unit. */
struct sight {
    int central, opener, member, published;
};

static int sight_all(const struct sight *s)
{
    return s->published || s->central || s->opener;
}

/* A reply built from borrowed parts, packed and unpacked again into *out
 * so that it has one owner and one free function. */
static int reply_own(const ProtobufCMessage *tmp, ProtobufCMessage **out)
{
    size_t n = protobuf_c_message_get_packed_size(tmp);
    uint8_t *buf = malloc(n ? n : 1);

    *out = NULL;
    if (!buf)
        return TDKT_ENOMEM;
    protobuf_c_message_pack(tmp, buf);
    *out = protobuf_c_message_unpack(tmp->descriptor, NULL, n, buf);
    free(buf);
    return *out ? 0 : TDKT_ENOMEM;
}

/* The statements this unit may see into shown[] (room for nvoted),
 * borrowed from x: who voted is public to the roll; what a named statement
 * says is shown once published (the voter always sees its own). */
static size_t info_voted(const struct ballot_box *x, const struct sight *s, const char *unit,
                         Tdkt__BallotVoted **shown)
{
    size_t n = 0;

    for (size_t i = 0; i < x->nvoted; i++) {
        Tdkt__BallotStatement *st = tdkt__ballot_statement__unpack(NULL, x->voted[i]->statement.len,
                                                                   x->voted[i]->statement.data);
        int mine = st && st->voter && strcmp(st->voter, unit) == 0;
        if (st)
            tdkt__ballot_statement__free_unpacked(st, NULL);
        if (sight_all(s) || mine)
            shown[n++] = x->voted[i];
    }
    return n;
}

/* The payload of entry seq unpacked as a message of d, or NULL. */
static ProtobufCMessage *entry_message(struct ledger *l, uint64_t seq, const char *kind,
                                       const ProtobufCMessageDescriptor *d, int *rc)
{
    ProtobufCMessage *m;
    uint8_t *pl;
    size_t len;

    *rc = sql_entry_payload(l, seq, kind, &pl, &len);
    if (*rc < 0)
        return NULL;
    m = protobuf_c_message_unpack(d, NULL, len, pl);
    free(pl);
    return m;
}

int ballot_get(struct ledger *l, int64_t now, const struct registry_unit *actor,
               const char *ballot_id, Tdkt__BallotInfo **out, struct fault *f)
{
    Tdkt__BallotInfo info = TDKT__BALLOT_INFO__INIT;
    Tdkt__BallotOpened *o = NULL;
    Tdkt__BallotVoted *shown[BALLOT_VOTERS_MAX];
    ProtobufCBinaryData boxdata[BALLOT_VOTERS_MAX];
    struct ballot_box x = {0};
    struct ballot_row b;
    struct sight s;
    int rc;

    *out = NULL;
    rc = ballot_row_get(l, ballot_id ? ballot_id : "", &b);
    if (rc == TDKT_ENOTFOUND)
        return fault_set(f, TDKT_ENOTFOUND, "ballot_get.ballot_id", "ballot '%s' does not exist",
                         ballot_id ? ballot_id : "");
    if (rc < 0)
        return rc;
    if (strcmp(b.state, "paper") != 0 && (rc = ballot_opened_load(l, &b, &o)) < 0)
        return rc;
    s.central = actor->role == REGISTRY_ROLE_CENTRAL;
    s.opener = strcmp(actor->code, b.opened_by) == 0;
    s.published = b.published_seq != 0;
    s.member = o ? ballot_on_roll(o, actor->code) : paper_member(l, &b, actor->code);
    if (!s.central && !s.opener && !s.member) {
        rc = fault_set(f, TDKT_EPERM, "ballot_get.ballot_id",
                       "unit '%s' is not on the roll of ballot '%s'", actor->code, b.id);
        goto out;
    }
    info.opened = o;
    info.state = (char *)state_now(&b, now);
    info.server_time_ms = (uint64_t)now;
    if (o && (rc = ballot_box_load(l, &b, &x)) < 0)
        goto out;
    info.n_voted = info_voted(&x, &s, actor->code, shown);
    info.voted = shown;
    if (b.sealed_seq && sight_all(&s)) {
        for (size_t i = 0; i < x.nbox; i++)
            boxdata[i] = x.box[i]->sealed;
        info.box = boxdata;
        info.n_box = x.nbox;
    }
    if (o && b.sealed_seq)
        info.seal = (Tdkt__BallotSealed *)entry_message(l, b.sealed_seq, ENTRY_BALLOT_SEAL,
                                                        &tdkt__ballot_sealed__descriptor, &rc);
    if (rc == 0 && b.tally_seq && sight_all(&s))
        info.tally = (Tdkt__BallotTallied *)entry_message(l, b.tally_seq, ENTRY_BALLOT_TALLY,
                                                          &tdkt__ballot_tallied__descriptor, &rc);
    if (rc == 0)
        rc = reply_own(&info.base, (ProtobufCMessage **)out);
out:
    ballot_box_free(&x);
    if (info.seal)
        tdkt__ballot_sealed__free_unpacked(info.seal, NULL);
    if (info.tally)
        tdkt__ballot_tallied__free_unpacked(info.tally, NULL);
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    return rc;
}

static void summary_free(Tdkt__BallotSummary *s)
{
    free(s->ballot_id);
    free(s->cluster_code);
    free(s->title);
    free(s->state);
    free(s);
}

/* The summary of ballot b, malloc'd with malloc'd strings (free with
 * summary_free()); NULL when out of memory. */
static Tdkt__BallotSummary *summary_new(struct ledger *l, int64_t now, const struct ballot_row *b,
                                        const Tdkt__BallotOpened *o)
{
    Tdkt__BallotSummary *s = calloc(1, sizeof *s);
    sqlite3_stmt *st;

    if (!s)
        return NULL;
    tdkt__ballot_summary__init(s);
    s->ballot_id = strdup(b->id);
    s->year = b->year;
    s->cluster_code = strdup(b->cluster);
    s->title = strdup(o && o->ballot->title ? o->ballot->title : "(paper ballot)");
    s->state = strdup(state_now(b, now));
    s->opens_ms = b->opens_ms;
    s->closes_ms = b->closes_ms;
    s->roll = b->roll;
    if (!s->ballot_id || !s->cluster_code || !s->title || !s->state) {
        summary_free(s);
        return NULL;
    }
    if (sql_query(l, &st, "SELECT count(*) FROM ballot_voters WHERE ballot = ?1", "t", b->id) ==
        0) {
        if (sql_step(l, st, "counting voters") == 1)
            s->voted = (uint32_t)sqlite3_column_int64(st, 0);
        sql_done(st);
    }
    return s;
}

/* The summary of ballot id into *out when actor may see it, else NULL. */
static int list_one(struct ledger *l, int64_t now, const struct registry_unit *actor,
                    const char *id, Tdkt__BallotSummary **out)
{
    Tdkt__BallotOpened *o = NULL;
    struct ballot_row b;
    int visible;

    *out = NULL;
    if (ballot_row_get(l, id, &b) < 0)
        return 0;
    if (strcmp(b.state, "paper") != 0)
        ballot_opened_load(l, &b, &o);
    visible = actor->role == REGISTRY_ROLE_CENTRAL || strcmp(actor->code, b.opened_by) == 0 ||
              (o ? ballot_on_roll(o, actor->code) : paper_member(l, &b, actor->code));
    if (visible)
        *out = summary_new(l, now, &b, o);
    if (o)
        tdkt__ballot_opened__free_unpacked(o, NULL);
    return !visible || *out ? 0 : TDKT_ENOMEM;
}

/* How many ballots of year (0: all) there are: room for the list. */
static int list_count(struct ledger *l, uint32_t year, size_t *n)
{
    sqlite3_stmt *st = NULL;
    int rc = sql_query(l, &st, "SELECT count(*) FROM ballots WHERE ?1 = 0 OR year = ?1", "u", year);

    *n = 0;
    if (rc == 0 && (rc = sql_step(l, st, "counting ballots")) == 1)
        *n = (size_t)sqlite3_column_int64(st, 0);
    sql_done(st);
    return rc < 0 ? rc : 0;
}

int ballot_list(struct ledger *l, int64_t now, const struct registry_unit *actor, uint32_t year,
                Tdkt__BallotListReply **out)
{
    Tdkt__BallotListReply r = TDKT__BALLOT_LIST_REPLY__INIT;
    Tdkt__BallotSummary **items = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0, cap = 0;
    int rc;

    *out = NULL;
    /* The database thread is the only writer, so the count holds while the
     * list is read. */
    rc = list_count(l, year, &cap);
    if (rc == 0 && !(items = calloc(cap ? cap : 1, sizeof *items)))
        rc = TDKT_ENOMEM;
    if (rc == 0)
        rc = sql_query(l, &st, "SELECT id FROM ballots WHERE ?1 = 0 OR year = ?1 ORDER BY year, id",
                       "u", year);
    while (rc >= 0 && n < cap && (rc = sql_step(l, st, "listing ballots")) == 1) {
        char id[RECORD_CODE_MAX + 1];

        sql_col_text(st, 0, id, sizeof id);
        rc = list_one(l, now, actor, id, &items[n]);
        n += items[n] != NULL;
    }
    sql_done(st);
    r.ballots = items;
    r.n_ballots = n;
    if (rc >= 0)
        rc = reply_own(&r.base, (ProtobufCMessage **)out);
    for (size_t i = 0; i < n; i++)
        summary_free(items[i]);
    free(items);
    return rc;
}
