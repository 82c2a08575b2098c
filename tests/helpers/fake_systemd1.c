/* A stand-in for systemd's manager on a test bus: owns
 * org.freedesktop.systemd1, answers StartUnit(name, mode) with a job path and
 * appends "StartUnit NAME MODE" to a record file. Prints "ready" once the
 * name is owned.
 *
 * usage: fake-systemd1 BUS_ADDRESS RECORD_FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static const char* record_path;

static int start_unit(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    (void)userdata;
    (void)error;
    const char* name;
    const char* mode;
    int r = sd_bus_message_read(m, "ss", &name, &mode);
    if (r < 0)
        return r;
    FILE* f = fopen(record_path, "a");
    if (f) {
        fprintf(f, "StartUnit %s %s\n", name, mode);
        fclose(f);
    }
    return sd_bus_reply_method_return(m, "o", "/org/freedesktop/systemd1/job/1");
}

static const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("StartUnit", "ss", "o", start_unit, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fake-systemd1 BUS_ADDRESS RECORD_FILE\n");
        return 2;
    }
    record_path = argv[2];
    sd_bus* bus = NULL;
    int r = sd_bus_new(&bus);
    if (r >= 0)
        r = sd_bus_set_address(bus, argv[1]);
    if (r >= 0)
        r = sd_bus_set_bus_client(bus, 1);
    if (r >= 0)
        r = sd_bus_start(bus);
    if (r >= 0)
        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", manager_vtable, NULL);
    if (r >= 0)
        r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
    if (r < 0) {
        fprintf(stderr, "fake-systemd1: %s\n", strerror(-r));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        r = sd_bus_process(bus, NULL);
        if (r < 0)
            return 1;
        if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
            return 1;
    }
}
