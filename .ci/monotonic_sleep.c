/* Monotonic sleeps straight to the kernel, for the test suite under faketime (see .ci/run).

   libfaketime 0.9.10 (Debian 12) shifts clock_nanosleep's absolute deadlines by the faked offset
   even for CLOCK_MONOTONIC when FAKETIME_DONT_FAKE_MONOTONIC=1, so Python 3.11's time.sleep, which
   sleeps until an absolute monotonic deadline, fails with EINVAL. Preloaded before libfaketime,
   this passes monotonic sleeps to the kernel unchanged and every other clock on to libfaketime. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*sleep_fn)(clockid_t, int, const struct timespec *, struct timespec *);

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *req, struct timespec *rem)
{
    if (clock_id == CLOCK_MONOTONIC) {
        return syscall(SYS_clock_nanosleep, clock_id, flags, req, rem) == -1 ? errno : 0;
    }
    sleep_fn next = (sleep_fn)dlsym(RTLD_NEXT, "clock_nanosleep");
    return next(clock_id, flags, req, rem);
}
