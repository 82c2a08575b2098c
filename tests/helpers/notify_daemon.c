/* A minimal notify-type daemon for the integration tests: sleeps for the
 * given number of milliseconds, reports readiness with libsystemd's
 * sd_notify() ("READY=1" plus a STATUS= text), then waits for a signal.
 *
 * usage: notify-daemon DELAY_MS [STATUS]
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: notify-daemon DELAY_MS [STATUS]\n");
        return 2;
    }
    char* end = NULL;
    errno = 0;
    long delay_ms = strtol(argv[1], &end, 10);
    if (errno != 0 || end == argv[1] || *end != '\0' || delay_ms < 0) {
        fprintf(stderr, "notify-daemon: invalid delay \"%s\"\n", argv[1]);
        return 2;
    }
    const char* status = argc == 3 ? argv[2] : "ready";

    struct timespec left = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) < 0 && errno == EINTR) {
    }

    char message[1200];
    snprintf(message, sizeof message, "READY=1\nSTATUS=%s", status);
    int r = sd_notify(0, message);
    if (r < 0) {
        fprintf(stderr, "notify-daemon: sd_notify failed: %s\n", strerror(-r));
        return 1;
    }
    if (r == 0) {
        fprintf(stderr, "notify-daemon: NOTIFY_SOCKET is not set\n");
        return 1;
    }
    for (;;)
        pause();
}
