package io.connectotel.api;

/** As in the OpenTelemetry API. */
public enum SpanKind {
    INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER
}
