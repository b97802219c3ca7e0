package io.connectotel.api;

/** Restores the previous current span when closed. Closing twice, or on another thread, does nothing harmful. */
public interface Scope extends AutoCloseable {
    @Override
    void close();
}
