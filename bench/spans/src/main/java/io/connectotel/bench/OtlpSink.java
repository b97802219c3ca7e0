package io.connectotel.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * A minimal OTLP/HTTP receiver on 127.0.0.1 for the drop probe: it accepts every export at once (200, empty
 * response, which is a valid empty Export*ServiceResponse) and counts the spans in each
 * {@code ExportTraceServiceRequest} by walking the protobuf wire format (no protobuf library needed).
 */
final class OtlpSink implements AutoCloseable {
    private final HttpServer server;
    final AtomicLong spans = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();

    OtlpSink(int port) throws IOException {
        // Without TCP_NODELAY, Nagle's algorithm against the client's delayed ACK adds ~40 ms to each export
        // (read before the server's first use).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(null); // handled on the server's one dispatcher thread: no extra hand-off
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                        body = in.readAllBytes();
                    }
                }
                if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
                    requests.incrementAndGet();
                    try {
                        spans.addAndGet(countSpans(body));
                    } catch (RuntimeException e) {
                        malformed.incrementAndGet();
                    }
                }
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** ExportTraceServiceRequest{1: ResourceSpans{2: ScopeSpans{2: Span}}}: the number of Span fields. */
    static long countSpans(byte[] b) {
        long n = 0;
        Wire top = new Wire(b, 0, b.length);
        while (top.next()) {
            if (top.field == 1 && top.type == 2) {
                Wire rs = top.sub();
                while (rs.next()) {
                    if (rs.field == 2 && rs.type == 2) {
                        Wire ss = rs.sub();
                        while (ss.next()) {
                            if (ss.field == 2 && ss.type == 2) {
                                n++;
                            }
                        }
                    }
                }
            }
        }
        return n;
    }

    /** A cursor over protobuf fields in b[pos, end): next() reads one field's tag and skips its value. */
    private static final class Wire {
        final byte[] b;
        int pos;
        final int end;
        int field;
        int type;
        int valueStart;
        int valueEnd;

        Wire(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        boolean next() {
            if (pos >= end) {
                return false;
            }
            long tag = varint();
            field = (int) (tag >>> 3);
            type = (int) (tag & 7);
            switch (type) {
                case 0: varint(); valueStart = valueEnd = pos; break;
                case 1: valueStart = pos; pos += 8; valueEnd = pos; break;
                case 2: {
                    long len = varint();
                    if (len < 0 || len > end - pos) throw new IllegalArgumentException("bad length");
                    valueStart = pos;
                    pos += (int) len;
                    valueEnd = pos;
                    break;
                }
                case 5: valueStart = pos; pos += 4; valueEnd = pos; break;
                default: throw new IllegalArgumentException("wire type " + type);
            }
            if (pos > end) throw new IllegalArgumentException("truncated");
            return true;
        }

        Wire sub() {
            return new Wire(b, valueStart, valueEnd);
        }

        private long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new IllegalArgumentException("truncated varint");
                byte x = b[pos++];
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) return v;
            }
            throw new IllegalArgumentException("long varint");
        }
    }
}
