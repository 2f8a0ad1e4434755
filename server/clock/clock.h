/* SPDX-License-Identifier: MIT */
/*
 * The daemon's wall clock: the one place tdktd reads the time of day that
 * goes into ledger entries, ballot closing and sealing, and signed heads.
 *
 * Tests need to move that clock without waiting for it (a ballot that
 * closes, a box left unsealed past --auto-seal-after). `tdktd serve
 * --test-clock FILE` names a file holding a signed whole number of seconds;
 * every read adds it to the real time. The file is read on each call, so a
 * test moves the clock by replacing the file (write a new one, then rename
 * it over the old, so no read sees half a number). A missing file counts as
 * 0; a file that does not hold a number is logged and counts as 0. Without
 * the option the clock is the real one and no file is read. The option is
 * for tests only: the offset is not recorded anywhere, so a daemon run with
 * it writes entries with shifted times (docs/testing.md).
 *
 * Thread safety: clock_set_test_file() is called once, before the loop and
 * the database thread start; clock_now_ms() from any thread after that.
 */
#ifndef TDKT_SERVER_CLOCK_CLOCK_H
#define TDKT_SERVER_CLOCK_CLOCK_H

#include <stdint.h>

/* Largest offset accepted, either way: about 100 years. */
#define CLOCK_TEST_OFFSET_MAX_S 3155760000LL

/* Milliseconds since the Unix epoch, plus the test offset if one is set. */
int64_t clock_now_ms(void);

/* Read the test offset from path at every clock_now_ms(); NULL: no offset.
 * path is copied. Returns 0 or TDKT_EINVAL when the path is too long. */
int clock_set_test_file(const char *path);

#endif
