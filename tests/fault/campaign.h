/* SPDX-License-Identifier: MIT */
/*
 * What the fault campaigns (power_loss.c, disk_errors.c) share: starting
 * tdktd or tdktd-fault with a fault plan in its environment, writers that
 * use the real client library with client-generated request ids and retry
 * an unacknowledged id with the same id until it is acknowledged, and the
 * auditor's check of the ledger file against what the writers were told.
 *
 * Writers follow the campaign's phase:
 *
 *   CAMP_RUN   --camp_set_phase(CAMP_HOLD)-->  CAMP_HOLD  (finish the call in
 *              flight, then send nothing; camp_wait_idle() waits for that)
 *   CAMP_HOLD  --camp_set_phase(CAMP_RUN)-->   CAMP_RUN
 *   any        --camp_set_phase(CAMP_DRAIN)--> retry the pending id until it
 *              is acknowledged, then the thread ends (camp_join())
 *   any        --camp_teardown_kill()--> CAMP_QUIT: end now (failure path)
 *
 * Nothing here runs in a worker thread's failure path but plain recording:
 * the cmocka assertions stay in the main thread.
 */
#ifndef TDKT_TESTS_FAULT_CAMPAIGN_H
#define TDKT_TESTS_FAULT_CAMPAIGN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "util/fixture.h"

#define CAMP_UNITS 4 /* VKSTC, VKSCC1..3 from tu_sector_setup */
/* Every wait of a campaign on the daemon or its writers ends on its event;
 * this bound is reached only by a hang (docs/testing.md). */
#define CAMP_HANG_MS TU_HANG_MS

enum camp_phase {
    CAMP_RUN = 0,
    CAMP_HOLD,
    CAMP_DRAIN,
    CAMP_QUIT, /* a failed check: leave now, whatever is pending */
};

struct camp_id {
    uint8_t id[16];
    uint8_t acked;   /* a receipt came back (fresh or replayed) */
    uint8_t storage; /* some attempt got STORAGE: its outcome was unknown */
    uint8_t unavail; /* some attempt got UNAVAILABLE */
    uint8_t noreply; /* some attempt got no reply at all */
    uint64_t seq;    /* from the receipt */
};

struct camp {
    /* The sector in its work directory (tu_fx_init): fx.dir, fx.data,
     * fx.tls. The campaign starts its daemons itself (camp_daemon_start),
     * so fx.d is not used. */
    struct tu_fx fx;
    int per_worker; /* ids each writer may use */
    time_t deadline;
    atomic_int port;
    atomic_int phase;
    atomic_int fault_seen;       /* a writer received STORAGE */
    struct camp_worker *workers; /* owned (camp_workers_new) */
    int nworkers;
    int running; /* writer threads started and not joined */
    atomic_uint acked, replayed, storage, unavail, refused_after_fault, accepted_after_fault,
        reads_ok, reads_failed, retries;
};

struct camp_worker {
    struct camp *s;
    int idx;
    struct camp_id *ids; /* per_worker of them; owned */
    int n;               /* ids started; all but the last are acknowledged */
    atomic_int idle;     /* parked in CAMP_HOLD */
    atomic_int done;
    pthread_t th;
    char err[256];
};

/* Make the sector in a fresh temporary directory; deadline_s bounds every
 * writer. */
void camp_setup(struct camp *s, int per_worker, int deadline_s);
void camp_teardown(struct camp *s);

/* Start bin serve on 127.0.0.1 with TLS, output to log, extra environment
 * entries env ("NAME=value", NULL-terminated, may be NULL). Returns 0 when it
 * listens (d->port set), or its exit status if it died first. */
int camp_daemon_start(struct tu_daemon *d, const char *bin, const struct camp *s, const char *log,
                      const char *const env[]);
/* Wait up to timeout_ms for the daemon to exit; its status, or -1 on
 * timeout (it is still running). */
int camp_daemon_wait(struct tu_daemon *d, int timeout_ms);
/* Send sig and wait up to timeout_ms; on timeout SIGKILL it and return -1. */
int camp_daemon_stop(struct tu_daemon *d, int sig, int timeout_ms);

/* SIGKILL every daemon started here and not yet reaped (a failed check
 * unwinds past the code that would stop it), end the writer threads and
 * remove the work directory (kept with TDKT_FAULT_KEEP=1). The cmocka
 * teardown of every campaign. */
void camp_kill_live(void);
int camp_teardown_kill(void **state);

/* n writers with per_worker fresh ids each; owned by s, freed by
 * camp_teardown(). */
struct camp_worker *camp_workers_new(struct camp *s, int n);
void camp_start(struct camp_worker *w, int n);
void camp_set_phase(struct camp *s, enum camp_phase p);
/* Wait until every running writer is parked in CAMP_HOLD; 0 or -1 on
 * timeout. */
int camp_wait_idle(struct camp_worker *w, int n, int timeout_ms);
void camp_join(struct camp_worker *w, int n);

struct camp_check {
    unsigned ids;              /* ids sent */
    unsigned acked;            /* of which acknowledged */
    unsigned lost;             /* acknowledged, but absent or with another seq */
    unsigned duplicated;       /* note.put entries beyond one per note */
    unsigned extra;            /* request rows that are none of our ids */
    unsigned refused_recorded; /* only ever refused UNAVAILABLE, yet recorded */
    unsigned unknown;          /* unacknowledged: STORAGE or no reply */
    unsigned unknown_present;  /* ... of which recorded */
    int integrity_ok;          /* PRAGMA integrity_check said "ok" */
};

/* Read data/ledger.db directly, as an auditor would (the daemon may be
 * running). Returns 0, or -1 if the file could not be read. */
int camp_check_ledger(const struct camp *s, const struct camp_worker *w, int n,
                      struct camp_check *out);
/* tdktd verify --data; 1 if it exited 0 and said "ledger verified". */
int camp_verify(const struct camp *s, char *out, size_t cap);

/* n with thousands separators ("48,211") in a static rotating buffer. */
const char *camp_num(unsigned long long n);
/* Integer from the environment, dflt when unset. */
int camp_env_int(const char *name, int dflt);
void camp_nap(int ms);

#endif
