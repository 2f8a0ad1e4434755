/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the server's replies (issue 13). The first input
 * byte picks who acts (the central office or a regional one, or with bit 1
 * set a Council member connected with their own certificate); the rest is
 * the body of one frame from it. What envelope_decode accepts runs
 * through the daemon's dispatch against a real ledger in a temporary
 * directory: request_prepare, then request_run (writes inside a transaction
 * and a savepoint, with the batch's finish step, as the database thread
 * does), then request_reply; a refused request gets request_error_frame.
 * Every frame the server builds is decoded again with envelope_decode, the
 * gate that refuses a string that is not well-formed UTF-8, and the harness
 * aborts if it is refused. The server's own debug assertion
 * (envelope_encode_reply) fires first when it is built without NDEBUG.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/crypto/sth.h"
#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "server/dispatch/request.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed time for every request, so a run depends on its input only
 * (07/12/2026 00:00 UTC). */
#define FUZZ_NOW_MS 1796601600000LL

static struct ledger *fuzz_ledger;
static EVP_PKEY *fuzz_signer;
static struct registry_unit fuzz_units[2];
static struct registry_unit fuzz_person; /* a Council member's own certificate */
static char fuzz_dir[] = "/tmp/tdkt-fuzz-reply-XXXXXX";

/* At exit: the temporary ledger goes with the process. */
static void fuzz_cleanup(void)
{
    static const char *const files[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm",
                                        "ledger.key"};
    char path[96];

    ledger_close(fuzz_ledger);
    sth_key_free(fuzz_signer);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, files[i]);
        unlink(path);
    }
    rmdir(fuzz_dir);
}

/* A ledger with the central office and one regional office, made once. */
static void fuzz_setup(void)
{
    char path[64], key[64], err[256];

    if (!mkdtemp(fuzz_dir))
        abort();
    snprintf(path, sizeof path, "%s/ledger.db", fuzz_dir);
    snprintf(key, sizeof key, "%s/ledger.key", fuzz_dir);
    if (ledger_open(path, LEDGER_OPEN_CREATE, &fuzz_ledger, err, sizeof err) < 0 ||
        sth_key_load(key, 1, &fuzz_signer, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_reply: %s\n", err);
        abort();
    }
    ledger_set_signer(fuzz_ledger, fuzz_signer);
    atexit(fuzz_cleanup);
    memset(fuzz_units, 0, sizeof fuzz_units);
    snprintf(fuzz_units[0].code, sizeof fuzz_units[0].code, "VKSTC");
    snprintf(fuzz_units[0].name, sizeof fuzz_units[0].name, "Viện kiểm sát nhân dân tối cao");
    fuzz_units[0].role = REGISTRY_ROLE_CENTRAL;
    snprintf(fuzz_units[1].code, sizeof fuzz_units[1].code, "VKSCC2");
    snprintf(fuzz_units[1].name, sizeof fuzz_units[1].name, "VKSND cấp cao tại Đà Nẵng");
    snprintf(fuzz_units[1].parent, sizeof fuzz_units[1].parent, "VKSTC");
    fuzz_units[1].role = REGISTRY_ROLE_REGIONAL;
    memset(&fuzz_person, 0, sizeof fuzz_person);
    snprintf(fuzz_person.code, sizeof fuzz_person.code, "HD-01");
    snprintf(fuzz_person.name, sizeof fuzz_person.name, "Thành viên Hội đồng số 1");
    snprintf(fuzz_person.parent, sizeof fuzz_person.parent, "VKSTC");
    fuzz_person.role = REGISTRY_ROLE_PERSON;
    for (int i = 0; i < 2; i++) {
        if (ledger_begin(fuzz_ledger) < 0 ||
            registry_unit_register(fuzz_ledger, 0, "ADMIN", &fuzz_units[i]) < 0 ||
            ledger_commit(fuzz_ledger) < 0)
            abort();
    }
}

/* The reply frame must pass the same gate as any received frame. */
static void fuzz_check_reply(const uint8_t *frame, size_t len)
{
    Tdkt__Envelope *back = NULL;
    char why[ENVELOPE_WHY_MAX];
    const char *field;

    if (len < FRAME_HEADER_LEN || envelope_decode(frame + FRAME_HEADER_LEN, len - FRAME_HEADER_LEN,
                                                  &back, why, sizeof why, &field) != 0) {
        fprintf(stderr, "fuzz_reply: the server's reply does not decode: %s\n", why);
        abort();
    }
    envelope_free(back);
}

/* Run r as the database thread would; its status. */
static int fuzz_run(struct request *r)
{
    struct db_job *job = &r->job;
    int rc;

    if (!job->write)
        return job->run(job, fuzz_ledger, FUZZ_NOW_MS);
    if ((rc = ledger_begin(fuzz_ledger)) < 0)
        return rc;
    if ((rc = ledger_savepoint(fuzz_ledger)) == 0) {
        rc = job->run(job, fuzz_ledger, FUZZ_NOW_MS);
        if (rc < 0)
            (void)ledger_rollback_to(fuzz_ledger);
        else if (ledger_release(fuzz_ledger) < 0)
            rc = TDKT_EDB;
    }
    if (rc >= 0 && job->finish)
        rc = job->finish(job, fuzz_ledger, FUZZ_NOW_MS);
    if (rc < 0) {
        ledger_rollback(fuzz_ledger);
        return rc;
    }
    return ledger_commit(fuzz_ledger);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Tdkt__Envelope *env = NULL;
    struct request *r = NULL;
    struct fault err;
    char why[ENVELOPE_WHY_MAX];
    const char *field;
    uint8_t *frame = NULL;
    size_t len;

    if (!fuzz_ledger)
        fuzz_setup();
    if (size < 1)
        return 0;
    const struct registry_unit *unit = (data[0] & 2) ? &fuzz_person : &fuzz_units[data[0] & 1];
    if (envelope_decode(data + 1, size - 1, &env, why, sizeof why, &field) != 0)
        return 0;
    memset(&err, 0, sizeof err);
    if (request_prepare(unit, env, &r, &err) < 0 || !r) {
        if (err.code &&
            request_error_frame(env->request_id.data, env->version, &err, &frame, &len) == 0)
            fuzz_check_reply(frame, len);
    } else if (r->kind != REQUEST_AUTH) {
        int status = fuzz_run(r);
        if (request_reply(r, status, &frame, &len) == 0)
            fuzz_check_reply(frame, len);
    }
    free(frame);
    request_free(r);
    envelope_free(env);
    return 0;
}
