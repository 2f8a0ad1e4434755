/* SPDX-License-Identifier: MIT */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

void tu_mkdtemp(char path[TU_PATH_MAX])
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    tu_path(path, TU_PATH_MAX, "%s/tdkt-test-XXXXXX", tmp);
    assert_non_null(mkdtemp(path));
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_rm_rf(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_path(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < cap);
}

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

int tu_run(char *out, size_t cap, const char *const argv[])
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t len = 0;
    char sink[4096];
    for (;;) {
        ssize_t r;
        if (out && len + 1 < cap)
            r = read(pfd[0], out + len, cap - 1 - len);
        else
            r = read(pfd[0], sink, sizeof sink);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (out && len + 1 < cap)
            len += (size_t)r;
    }
    close(pfd[0]);
    if (out && cap)
        out[len] = '\0';
    return wait_status(pid);
}

int tu_runf(char *out, size_t cap, const char *prog, ...)
{
    const char *argv[64];
    int n = 0;
    va_list ap;
    argv[n++] = prog;
    va_start(ap, prog);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        assert_true(n < 63);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    return tu_run(out, cap, argv);
}

void *tu_tmp_new(size_t size)
{
    char *t;

    assert_true(size >= TU_PATH_MAX);
    t = calloc(1, size);
    assert_non_null(t);
    tu_mkdtemp(t);
    return t;
}

int tu_tmp_cmocka_teardown(void **state)
{
    tu_rm_rf(*state);
    free(*state);
    return 0;
}

void tu_cert(char *buf, size_t cap, const char *dir, const char *code, const char *ext)
{
    tu_path(buf, cap, "%s/certs/%s.%s", dir, code, ext);
}

static void must(const char *what, int rc, const char *out)
{
    if (rc != 0)
        fail_msg("%s failed (exit %d): %s", what, rc, out);
}

void tu_sector_setup(const char *dir)
{
    static const struct {
        const char *code, *name, *role;
    } units[] = {
        {"VKSTC", "Viện kiểm sát nhân dân tối cao", "central"},
        {"VKSCC1", "Viện kiểm sát nhân dân cấp cao tại Hà Nội", "regional"},
        {"VKSCC2", "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng", "regional"},
        {"VKSCC3", "Viện kiểm sát nhân dân cấp cao tại Thành phố Hồ Chí Minh", "regional"},
    };
    char out[TU_OUT_MAX], ca[TU_PATH_MAX], tls[TU_PATH_MAX], data[TU_PATH_MAX], certs[TU_PATH_MAX],
        src[TU_PATH_MAX], dst[TU_PATH_MAX];

    tu_path(ca, sizeof ca, "%s/ca", dir);
    tu_path(tls, sizeof tls, "%s/tls", dir);
    tu_path(data, sizeof data, "%s/data", dir);
    tu_path(certs, sizeof certs, "%s/certs", dir);
    must("ca init", tu_runf(out, sizeof out, TDKTD_BIN, "ca", "init", "--ca", ca, NULL), out);
    must("cert server",
         tu_runf(out, sizeof out, TDKTD_BIN, "cert", "server", "--ca", ca, "--host", "127.0.0.1",
                 "--out", tls, NULL),
         out);
    tu_path(src, sizeof src, "%s/ca.crt", ca);
    tu_path(dst, sizeof dst, "%s/ca.crt", tls);
    must("copy ca.crt", tu_runf(out, sizeof out, "/bin/cp", src, dst, NULL), out);
    must("init", tu_runf(out, sizeof out, TDKTD_BIN, "init", "--data", data, NULL), out);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        must("unit add",
             tu_runf(out, sizeof out, TDKTD_BIN, "unit", "add", "--data", data, "--code",
                     units[i].code, "--name", units[i].name, "--role", units[i].role, NULL),
             out);
        must("cert issue",
             tu_runf(out, sizeof out, TDKTD_BIN, "cert", "issue", "--data", data, "--ca", ca,
                     "--unit", units[i].code, "--out", certs, NULL),
             out);
    }
}

uint64_t tu_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int tu_serve_args(const char *argv[], int n, const char *bin, const char *data,
                  const char *portfile)
{
    const char *const args[] = {bin,
                                "serve",
                                "--data",
                                data,
                                "--listen",
                                "127.0.0.1:0",
                                "--port-file",
                                portfile,
                                "--handshake-timeout",
                                TU_HANDSHAKE_TIMEOUT_ARG};

    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        argv[n++] = args[i];
    return n;
}

pid_t tu_spawn(const char *const argv[], const char *log, const char *const envp[])
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (envp)
            execve(argv[0], (char *const *)argv, (char *const *)envp);
        else
            execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int tu_port_read(const char *portfile)
{
    FILE *f = fopen(portfile, "r");
    int port = 0;

    if (!f)
        return 0;
    if (fscanf(f, "%d", &port) != 1 || port < 0)
        port = 0;
    fclose(f);
    return port;
}

int tu_valgrind_on(void)
{
    const char *v = getenv(TU_VALGRIND_ENV);
    return v && *v && strcmp(v, "0") != 0;
}

static void valgrind_log_path(const struct tu_daemon *d, pid_t pid, char path[TU_PATH_MAX])
{
    tu_path(path, TU_PATH_MAX, "%s/valgrind-%d.log", d->data, (int)pid);
}

void tu_daemon_start(struct tu_daemon *d, const char *data, const char *tls_dir,
                     const char *const extra[])
{
    static const char *const vg[] = {TU_VALGRIND_ARGV};
    char portfile[TU_PATH_MAX], vglog[TU_PATH_MAX + 16];
    const char *argv[64];
    int n = 0;

    memset(d, 0, sizeof *d);
    tu_path(d->data, sizeof d->data, "%s", data);
    tu_path(d->tls, sizeof d->tls, "%s", tls_dir ? tls_dir : "");
    tu_path(d->log, sizeof d->log, "%s/tdktd.log", data);
    tu_path(portfile, sizeof portfile, "%s/port", data);
    unlink(portfile);
    d->valgrind = tu_valgrind_on();
    if (d->valgrind) {
        for (size_t i = 0; i < sizeof vg / sizeof vg[0]; i++)
            argv[n++] = vg[i];
        /* %p: valgrind's own pid, which is the daemon's (valgrind_log_path) */
        tu_path(vglog, sizeof vglog, "--log-file=%s/valgrind-%%p.log", d->data);
        argv[n++] = vglog;
    }
    n = tu_serve_args(argv, n, TDKTD_BIN, d->data, portfile);
    argv[n++] = "--log-level";
    argv[n++] = "debug";
    if (tls_dir) {
        argv[n++] = "--tls-dir";
        argv[n++] = d->tls;
    } else {
        argv[n++] = "--plain";
    }
    if (d->valgrind) {
        argv[n++] = "--handshake-timeout";
        argv[n++] = TU_VALGRIND_HANDSHAKE_S;
    }
    for (int i = 0; extra && extra[i]; i++) {
        assert_true(n < 62);
        argv[n++] = extra[i];
    }
    argv[n] = NULL;

    pid_t pid = tu_spawn(argv, d->log, NULL); /* valgrind from PATH; tdktd by its path */
    d->pid = pid;
    /* Wait for the port file (written once the daemon listens), sleeping on
     * inotify; only a hang reaches TU_HANG_MS. */
    for (uint64_t hang = tu_mono_ms() + TU_HANG_MS; tu_mono_ms() < hang;) {
        int port = tu_port_read(portfile);
        if (port > 0) {
            d->port = port;
            return;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            fail_msg("tdktd exited during start-up; see %s", d->log);
        tu_wait_dir_change(d->data, 100); /* the re-check covers a write missed in between */
    }
    kill(pid, SIGKILL);
    fail_msg("tdktd did not start listening; see %s", d->log);
}

/* Words that begin every memcheck error report, and never its preamble or a
 * clean summary: what a killed daemon's report is searched for. */
static const char *const valgrind_error_words[] = {
    "Invalid read",    "Invalid write", "uninitialised",      "Invalid free",
    "Mismatched free", "overlap in",    "definitely lost in",
};

/* After a daemon under valgrind ended with status st: fail the test if
 * memcheck found an error, with its report on stderr. */
static void valgrind_check(const struct tu_daemon *d, pid_t pid, int st)
{
    char path[TU_PATH_MAX], line[4096];
    int found = st == TU_VALGRIND_EXIT;
    FILE *fp;

    valgrind_log_path(d, pid, path);
    fp = fopen(path, "r");
    if (!fp)
        fail_msg("tdktd ran under valgrind but left no report %s (exit %d)", path, st);
    while (!found && fgets(line, sizeof line, fp))
        for (size_t i = 0; i < sizeof valgrind_error_words / sizeof valgrind_error_words[0]; i++)
            found |= strstr(line, valgrind_error_words[i]) != NULL;
    if (found) {
        rewind(fp);
        fprintf(stderr, "--- valgrind report of tdktd (pid %d, exit %d), %s:\n", (int)pid, st,
                path);
        while (fgets(line, sizeof line, fp))
            fputs(line, stderr);
        fprintf(stderr, "--- end of the valgrind report\n");
    }
    fclose(fp);
    if (found)
        fail_msg("valgrind memcheck found errors in tdktd (exit %d); its report is above", st);
}

int tu_daemon_stop(struct tu_daemon *d, int sig)
{
    pid_t pid = d->pid;
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    int st = wait_status(pid);
    d->pid = 0;
    if (d->valgrind)
        valgrind_check(d, pid, st);
    return st;
}

void tu_client_tls(struct tu_client_tls *c, const char *dir, int port, const char *unit)
{
    memset(c, 0, sizeof *c);
    snprintf(c->ca, sizeof c->ca, "%s/tls/ca.crt", dir);
    snprintf(c->crt, sizeof c->crt, "%s/certs/%s.crt", dir, unit);
    snprintf(c->key, sizeof c->key, "%s/certs/%s.key", dir, unit);
    c->o.host = "127.0.0.1";
    c->o.port = port;
    c->o.ca_file = c->ca;
    c->o.cert_file = c->crt;
    c->o.key_file = c->key;
    c->o.timeout_ms = TU_CLIENT_TIMEOUT_MS;
}

int tu_tdkt(const char *dir, int port, const char *unit, char *out, ...)
{
    char server[64], store[TU_PATH_MAX];
    const char *argv[32];
    int n = 0;
    va_list ap;

    snprintf(server, sizeof server, "127.0.0.1:%d", port);
    tu_path(store, sizeof store, "%s/%s.store", dir, unit);
    argv[n++] = TDKT_BIN;
    argv[n++] = "--server";
    argv[n++] = server;
    argv[n++] = "--plain-unit";
    argv[n++] = unit;
    argv[n++] = "--store";
    argv[n++] = store;
    argv[n++] = "--timeout";
    argv[n++] = TU_CLIENT_TIMEOUT_ARG;
    argv[n++] = "--backoff-ms";
    argv[n++] = "20";
    va_start(ap, out);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        assert_true(n < 30);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    return tu_run(out, TU_OUT_MAX, argv);
}

int tu_log_count(const struct tu_daemon *d, const char *marker)
{
    FILE *fp = fopen(d->log, "r");
    char line[4096];
    int count = 0;

    if (!fp)
        return 0; /* not written yet */
    while (fgets(line, sizeof line, fp))
        count += strstr(line, marker) != NULL;
    fclose(fp);
    return count;
}

int tu_log_has_number(const struct tu_daemon *d, const char *marker, int above,
                      unsigned long long limit)
{
    FILE *fp = fopen(d->log, "r");
    char line[4096];
    int found = 0;

    if (!fp)
        return 0;
    while (!found && fgets(line, sizeof line, fp)) {
        const char *m = strstr(line, marker);
        unsigned long long v;
        if (m && sscanf(m + strlen(marker), "%llu", &v) == 1)
            found = above ? v > limit : v < limit;
    }
    fclose(fp);
    return found;
}

/* Has the daemon exited? Leaves it waitable for tu_daemon_stop. */
static int daemon_gone(const struct tu_daemon *d)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return d->pid > 0 && waitid(P_PID, (id_t)d->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           si.si_pid == d->pid;
}

int tu_wait_dir_change(const char *dir, int ms)
{
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    assert_true(fd >= 0);
    assert_true(inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO) >=
                0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int rc = poll(&p, 1, ms);
    close(fd);
    return rc > 0;
}

/* The directory of the daemon's log, where it writes the log and port file. */
static void log_dir(const struct tu_daemon *d, char dir[TU_PATH_MAX])
{
    tu_path(dir, TU_PATH_MAX, "%s", d->log);
    char *slash = strrchr(dir, '/');
    assert_non_null(slash);
    *slash = '\0';
}

/* What a log wait waits for: count lines with marker, or a number after
 * marker beyond limit (tu_log_has_number). */
struct log_goal {
    const char *marker;
    int count;
    int number, above;
    unsigned long long limit;
};

static int log_goal_met(const struct tu_daemon *d, const struct log_goal *g)
{
    return g->number ? tu_log_has_number(d, g->marker, g->above, g->limit)
                     : tu_log_count(d, g->marker) >= g->count;
}

static void log_wait(const struct tu_daemon *d, const struct log_goal *g)
{
    char dir[TU_PATH_MAX];
    uint64_t hang = tu_mono_ms() + TU_HANG_MS;
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

    log_dir(d, dir);
    assert_true(fd >= 0);
    /* The watch is in place before each check, so no write is missed
     * between the check and the wait. */
    assert_true(inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE) >= 0);
    while (!log_goal_met(d, g)) {
        if (daemon_gone(d) && !log_goal_met(d, g))
            fail_msg("tdktd exited before its log showed \"%s\"; see %s", g->marker, d->log);
        if (tu_mono_ms() > hang)
            fail_msg("tdktd's log never showed \"%s\" (a hang); see %s", g->marker, d->log);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 1000) > 0) { /* 1 s: re-check that the daemon lives */
            char buf[4096];
            while (read(fd, buf, sizeof buf) > 0) {
            }
        }
    }
    close(fd);
}

void tu_log_wait(const struct tu_daemon *d, const char *marker, int count)
{
    struct log_goal g = {.marker = marker, .count = count};
    log_wait(d, &g);
}

void tu_log_wait_number(const struct tu_daemon *d, const char *marker, int above,
                        unsigned long long limit)
{
    struct log_goal g = {.marker = marker, .number = 1, .above = above, .limit = limit};
    log_wait(d, &g);
}

void tu_clock_set(const char *file, long long seconds)
{
    char tmp[TU_PATH_MAX + 8];
    tu_path(tmp, sizeof tmp, "%s.new", file);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fprintf(f, "%lld\n", seconds);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, file), 0);
}

/* The field named name of m's type; fails the test when there is none. */
static const ProtobufCFieldDescriptor *tu_pb_field(const ProtobufCMessageDescriptor *type,
                                                   const char *name)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(type, name);

    if (fd == NULL)
        fail_msg("%s has no field %s", type->name, name);
    return fd;
}

void tu_pb_oneof_set(ProtobufCMessage *m, const char *field, ProtobufCMessage *value)
{
    const ProtobufCFieldDescriptor *fd = tu_pb_field(m->descriptor, field);
    uint32_t member = fd->id;

    assert_true(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
    memcpy((char *)m + fd->offset, &value, sizeof value);
    /* A oneof's case is an enum whose values are its members' numbers. */
    memcpy((char *)m + fd->quantifier_offset, &member, sizeof member);
}

const char *tu_pb_string(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *fd = tu_pb_field(m->descriptor, name);
    const char *s;

    assert_int_equal(fd->type, PROTOBUF_C_TYPE_STRING);
    memcpy(&s, (const char *)m + fd->offset, sizeof s);
    return s;
}

void tu_has_all(const char *text, const char *const want[])
{
    for (size_t i = 0; want[i] != NULL; i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("\"%s\" is not in:\n%s", want[i], text);
}

/* The cells of row in order on line [l, e), each bounded by two spaces or the line's ends. */
static int line_has_row(const char *l, const char *e, const char *const row[])
{
    const char *p = l;

    for (size_t i = 0; row[i] != NULL; i++) {
        size_t n = strlen(row[i]);
        const char *q = p;

        for (;;) {
            while (q + n <= e && memcmp(q, row[i], n) != 0)
                q++;
            if (q + n > e)
                return 0;
            int before = q == l || (q - l >= 2 && q[-1] == ' ' && q[-2] == ' ') ||
                         (q - l == 1 && q[-1] == ' ');
            int after = q + n == e || (e - (q + n) >= 2 && q[n] == ' ' && q[n + 1] == ' ');
            if (before && after)
                break;
            q++;
        }
        p = q + n;
    }
    return 1;
}

void tu_has_row(const char *text, const char *const row[])
{
    for (const char *l = text; *l;) {
        const char *e = strchr(l, '\n');

        if (e == NULL)
            e = l + strlen(l);
        if (line_has_row(l, e, row))
            return;
        l = *e ? e + 1 : e;
    }
    fail_msg("no line holds the row \"%s\", ... in:\n%s", row[0], text);
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *data;
    long n = -1;

    if (fp == NULL)
        fail_msg("cannot open %s", path);
    if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0)
        fail_msg("cannot size %s", path);
    rewind(fp);
    if ((data = malloc((size_t)n + 1)) == NULL)
        fail_msg("out of memory reading %s", path);
    if (fread(data, 1, (size_t)n, fp) != (size_t)n)
        fail_msg("cannot read %s", path);
    fclose(fp);
    data[n] = '\0';
    *len = (size_t)n;
    return data;
}

void tu_has_none(const char *text, const char *const bad[])
{
    for (size_t i = 0; bad[i] != NULL; i++)
        if (strstr(text, bad[i]) != NULL)
            fail_msg("\"%s\" should not be in:\n%s", bad[i], text);
}
