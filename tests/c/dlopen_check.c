/* Compiled by tests/platform_musl.rs with zig for each platform this machine cannot run a JVM on, dynamically
 * linked so that it can dlopen: loads the library given as argv[1] and calls its C ABI, typed by
 * include/connect_otel.h, as a tool without a JVM would. With argv[2] it also runs the self-check with those
 * settings, printing each line, then "failed=N". */
#include <dlfcn.h>
#include <stdio.h>
#include "connect_otel.h"

/* dlsym's answer as a pointer to the header's declaration of `name`, so that the compiler checks each call. */
#define LOOKUP(library, name) ((__typeof__(name) *)dlsym(library, #name))

static void print_line(const char *line, void *context) {
    (void)context;
    printf("%s\n", line);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIBRARY [SETTINGS]\n", argv[0]);
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
        return 2;
    }
    __typeof__(connect_otel_abi_version) *abi_version = LOOKUP(library, connect_otel_abi_version);
    __typeof__(connect_otel_version) *version = LOOKUP(library, connect_otel_version);
    __typeof__(connect_otel_check) *check = LOOKUP(library, connect_otel_check);
    if (!abi_version || !version || !check) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 2;
    }
    printf("abi=%u version=%s\n", abi_version(), version());
    if (argc > 2) {
        int32_t failed = check(argv[2], print_line, NULL);
        printf("failed=%d\n", (int)failed);
    }
    fflush(stdout);
    /* No dlclose: the library's threads (the self-check's runtime) may still be winding down. */
    return abi_version() == CONNECT_OTEL_ABI_VERSION ? 0 : 3;
}
