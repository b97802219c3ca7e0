/* Compiled by tests/c_abi.rs against include/connect_otel.h. */
#include <stdio.h>
#include "connect_otel.h"

/* Prints each line of the self-check and counts them in *context. */
static void print_line(const char *line, void *context) {
    int *count = context;
    (*count)++;
    printf("%s\n", line);
}

int main(void) {
    if (connect_otel_abi_version() != CONNECT_OTEL_ABI_VERSION) return 1;
    printf("abi=%u version=%s\n", connect_otel_abi_version(), connect_otel_version());

    int lines = 0;
    int32_t failed = connect_otel_check("otel.service.name=c-abi,otel.exporter.otlp.timeout=2000", print_line, &lines);
    printf("failed=%d lines=%d\n", (int)failed, lines);

    /* NULL settings (the environment alone) and no callback: only the count. */
    printf("quiet failed=%d\n", (int)connect_otel_check(NULL, NULL, NULL));
    return 0;
}
