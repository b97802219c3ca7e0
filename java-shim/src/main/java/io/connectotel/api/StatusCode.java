package io.connectotel.api;

/** As in the OpenTelemetry API. */
public enum StatusCode {
    UNSET, OK, ERROR
}
