/* Compiled by tests/c_abi.rs against include/connect_otel.h. */
#include <stdio.h>
#include "connect_otel.h"

int main(void) {
    if (connect_otel_abi_version() != CONNECT_OTEL_ABI_VERSION) return 1;
    printf("abi=%u version=%s\n", connect_otel_abi_version(), connect_otel_version());
    return 0;
}
