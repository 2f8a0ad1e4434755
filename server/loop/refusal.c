/* SPDX-License-Identifier: MIT */
/*
 * Refusal log rate limit (see refusal.h): a fixed table of peer addresses,
 * each with a one-minute window, searched linearly (a refusal is rare next
 * to the work of a request; 256 string compares are nothing beside the
 * connection it came on). Pure.
 */
#include "server/loop/refusal.h"

#include <stdio.h>
#include <string.h>

void refusal_log_init(struct refusal_log *rl)
{
    memset(rl, 0, sizeof *rl);
    snprintf(rl->other.addr, sizeof rl->other.addr, "%s", REFUSAL_OTHER_PEERS);
}

static int window_ended(const struct refusal_peer *p, uint64_t now_ms)
{
    return now_ms - p->window_start_ms >= REFUSAL_LOG_WINDOW_MS;
}

/* The entry counting addr's refusals: its own, a free slot, or the shared
 * one while the table is full. */
static struct refusal_peer *refusal_log_find(struct refusal_log *rl, const char *addr)
{
    struct refusal_peer *free_slot = NULL;

    for (size_t i = 0; i < REFUSAL_LOG_PEERS_MAX; i++) {
        struct refusal_peer *p = &rl->peers[i];
        if (p->addr[0] == '\0') {
            if (!free_slot)
                free_slot = p;
        } else if (strncmp(p->addr, addr, sizeof p->addr) == 0) {
            return p;
        }
    }
    if (!free_slot)
        return &rl->other;
    memset(free_slot, 0, sizeof *free_slot);
    snprintf(free_slot->addr, sizeof free_slot->addr, "%s", addr);
    return free_slot;
}

int refusal_log_admit(struct refusal_log *rl, const char *addr, uint64_t now_ms, uint64_t *summary,
                      const char **summary_addr)
{
    struct refusal_peer *p = refusal_log_find(rl, addr && *addr ? addr : "?");

    *summary = 0;
    *summary_addr = p->addr;
    if (p->logged == 0 && p->suppressed == 0) {
        p->window_start_ms = now_ms; /* a new entry: its window starts now */
    } else if (window_ended(p, now_ms)) {
        *summary = p->suppressed;
        p->window_start_ms = now_ms;
        p->logged = 0;
        p->suppressed = 0;
    }
    if (p->logged < REFUSAL_LOG_PER_PEER) {
        p->logged++;
        return 1;
    }
    p->suppressed++;
    return 0;
}

static void refusal_peer_expire(struct refusal_peer *p, uint64_t now_ms, int keep_name,
                                void (*report)(void *, const char *, uint64_t), void *arg)
{
    if ((p->logged == 0 && p->suppressed == 0) || !window_ended(p, now_ms))
        return;
    if (p->suppressed > 0 && report)
        report(arg, p->addr, p->suppressed);
    p->logged = 0;
    p->suppressed = 0;
    if (!keep_name)
        p->addr[0] = '\0';
}

void refusal_log_expire(struct refusal_log *rl, uint64_t now_ms,
                        void (*report)(void *arg, const char *addr, uint64_t suppressed), void *arg)
{
    for (size_t i = 0; i < REFUSAL_LOG_PEERS_MAX; i++) {
        if (rl->peers[i].addr[0] != '\0')
            refusal_peer_expire(&rl->peers[i], now_ms, 0, report, arg);
    }
    refusal_peer_expire(&rl->other, now_ms, 1, report, arg);
}

void refusal_clean(char *dst, size_t cap, const char *src)
{
    size_t i = 0;

    if (cap == 0)
        return;
    for (; src && src[i] && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    dst[i] = '\0';
}
