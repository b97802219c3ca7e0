package io.connectotel.agent.internal.otelapi;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One copy of the OpenTelemetry API (the classes one class loader sees) as connect-otel uses it: the interfaces
 * it implements with {@link Proxy}, and handles to the API's own static and instance methods it calls. Made
 * once per {@code GlobalOpenTelemetry}, held only by the proxies handed to that API, so nothing of ours keeps a
 * plugin's class loader alive.
 */
final class OtelTypes {

    final ClassLoader loader;
    final Class<?> openTelemetry;
    final Class<?> tracerProvider;
    final Class<?> tracerBuilder;
    final Class<?> tracer;
    final Class<?> spanBuilder;
    final Class<?> span;
    final Class<?> attributes;
    final Class<?> attributeKey;

    private final MethodHandle newOpenTelemetry;
    private final MethodHandle newTracerProvider;
    private final MethodHandle newTracerBuilder;
    private final MethodHandle newTracer;
    private final MethodHandle newSpanBuilder;
    private final MethodHandle newSpan;

    private final MethodHandle contextCurrent;   // () -> Context
    private final MethodHandle spanFromContext;  // (Context) -> Span
    private final MethodHandle spanWrap;         // (SpanContext) -> Span
    private final MethodHandle spanContextCreate; // (String, String, TraceFlags, TraceState) -> SpanContext
    private final MethodHandle traceFlagsFromByte; // (byte) -> TraceFlags
    private final MethodHandle getSpanContext;   // (Span) -> SpanContext
    private final MethodHandle getTraceId;       // (SpanContext) -> String
    private final MethodHandle getSpanId;        // (SpanContext) -> String
    private final MethodHandle getTraceFlags;    // (SpanContext) -> TraceFlags
    private final MethodHandle asByte;           // (TraceFlags) -> byte
    private final MethodHandle getTraceState;    // (SpanContext) -> TraceState
    private final MethodHandle traceStateForEach; // (TraceState, BiConsumer) -> void
    private final MethodHandle traceStateBuilder; // () -> TraceStateBuilder
    private final MethodHandle traceStatePut;    // (TraceStateBuilder, String, String) -> TraceStateBuilder
    private final MethodHandle traceStateBuild;  // (TraceStateBuilder) -> TraceState
    private final MethodHandle attributeKeyName; // (AttributeKey) -> String
    private final MethodHandle attributesForEach; // (Attributes, BiConsumer) -> void
    final Object invalidSpan;
    private final Class<?> spanContext;
    private final Object invalidSpanContext;
    final Object traceStateDefault;
    /** W3C trace context, as {@code ContextPropagators}. */
    final Object propagators;
    private final Object noopTracerProvider;
    private final Object noopTracer;
    private final Object noopTracerBuilder;
    private final MethodHandle noopSpanBuilder; // (String) -> SpanBuilder of the no-op tracer

    /** The interfaces' default methods, callable on a proxy (the JDK 11 way: no InvocationHandler.invokeDefault). */
    private final ConcurrentHashMap<Method, MethodHandle> defaults = new ConcurrentHashMap<>();

    OtelTypes(ClassLoader loader) throws ReflectiveOperationException {
        this.loader = loader;
        openTelemetry = type("io.opentelemetry.api.OpenTelemetry");
        tracerProvider = type("io.opentelemetry.api.trace.TracerProvider");
        tracerBuilder = type("io.opentelemetry.api.trace.TracerBuilder");
        tracer = type("io.opentelemetry.api.trace.Tracer");
        spanBuilder = type("io.opentelemetry.api.trace.SpanBuilder");
        span = type("io.opentelemetry.api.trace.Span");
        attributes = type("io.opentelemetry.api.common.Attributes");
        attributeKey = type("io.opentelemetry.api.common.AttributeKey");
        Class<?> context = type("io.opentelemetry.context.Context");
        spanContext = type("io.opentelemetry.api.trace.SpanContext");
        Class<?> traceFlags = type("io.opentelemetry.api.trace.TraceFlags");
        Class<?> traceState = type("io.opentelemetry.api.trace.TraceState");

        newOpenTelemetry = constructor(openTelemetry);
        newTracerProvider = constructor(tracerProvider);
        newTracerBuilder = constructor(tracerBuilder);
        newTracer = constructor(tracer);
        newSpanBuilder = constructor(spanBuilder);
        newSpan = constructor(span);

        contextCurrent = method(context, "current");
        spanFromContext = method(span, "fromContext", context);
        spanWrap = method(span, "wrap", spanContext);
        spanContextCreate = method(spanContext, "create", String.class, String.class, traceFlags, traceState);
        traceFlagsFromByte = method(traceFlags, "fromByte", byte.class);
        getSpanContext = method(span, "getSpanContext");
        getTraceId = method(spanContext, "getTraceId");
        getSpanId = method(spanContext, "getSpanId");
        getTraceFlags = method(spanContext, "getTraceFlags");
        asByte = method(traceFlags, "asByte");
        getTraceState = method(spanContext, "getTraceState");
        traceStateForEach = method(traceState, "forEach", java.util.function.BiConsumer.class);
        traceStateBuilder = method(traceState, "builder");
        Class<?> traceStateBuilderType = type("io.opentelemetry.api.trace.TraceStateBuilder");
        traceStatePut = method(traceStateBuilderType, "put", String.class, String.class);
        traceStateBuild = method(traceStateBuilderType, "build");
        attributeKeyName = method(attributeKey, "getKey");
        attributesForEach = method(attributes, "forEach", java.util.function.BiConsumer.class);
        try {
            invalidSpan = (Object) method(span, "getInvalid").invokeExact();
            invalidSpanContext = (Object) method(spanContext, "getInvalid").invokeExact();
            traceStateDefault = (Object) method(traceState, "getDefault").invokeExact();
            Object w3c = (Object) method(type("io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator"), "getInstance").invokeExact();
            propagators = (Object) method(type("io.opentelemetry.context.propagation.ContextPropagators"), "create",
                    type("io.opentelemetry.context.propagation.TextMapPropagator")).invokeExact(w3c);
            noopTracerProvider = (Object) method(tracerProvider, "noop").invokeExact();
            noopTracer = (Object) method(tracerProvider, "get", String.class).invokeExact(noopTracerProvider, (Object) "connect-otel");
            noopTracerBuilder = (Object) method(tracerProvider, "tracerBuilder", String.class).invokeExact(noopTracerProvider, (Object) "connect-otel");
            noopSpanBuilder = method(tracer, "spanBuilder", String.class).bindTo(noopTracer);
        } catch (ReflectiveOperationException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new ReflectiveOperationException(t);
        }
    }

    /**
     * What a call returning {@code type} answers when ours failed: the API's own no-op objects, so the caller
     * never gets a null where the API promises an object; null for other types.
     */
    Object neutralOf(Class<?> type) {
        try {
            if (type == span) return invalidSpan;
            if (type == spanContext) return invalidSpanContext;
            if (type == spanBuilder) return (Object) noopSpanBuilder.invokeExact((Object) "");
            if (type == tracer) return noopTracer;
            if (type == tracerBuilder) return noopTracerBuilder;
            if (type == tracerProvider) return noopTracerProvider;
            if (type.isInstance(propagators)) return propagators;
        } catch (Throwable t) {
            // null below
        }
        return null;
    }

    /** {@code OpenTelemetry.noop()} of the API in {@code loader}. */
    static Object noop(ClassLoader loader) throws ReflectiveOperationException {
        return Class.forName("io.opentelemetry.api.OpenTelemetry", false, loader).getMethod("noop").invoke(null);
    }

    private Class<?> type(String name) throws ClassNotFoundException {
        return Class.forName(name, false, loader);
    }

    /** A public method as a handle taking and returning Objects (primitives boxed). */
    private static MethodHandle method(Class<?> owner, String name, Class<?>... params) throws ReflectiveOperationException {
        MethodHandle h = MethodHandles.publicLookup().unreflect(owner.getMethod(name, params));
        return h.asType(h.type().generic());
    }

    /** The proxy class's constructor for {@code iface}: one proxy class per interface, found once. */
    private MethodHandle constructor(Class<?> iface) throws ReflectiveOperationException {
        Object probe = Proxy.newProxyInstance(loader, new Class<?>[] {iface}, (p, m, a) -> null);
        MethodHandle h = MethodHandles.publicLookup().unreflectConstructor(probe.getClass().getConstructor(InvocationHandler.class));
        return h.asType(MethodType.methodType(Object.class, InvocationHandler.class));
    }

    private static Object make(MethodHandle constructor, InvocationHandler handler) {
        try {
            return (Object) constructor.invokeExact(handler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    Object newProxy(Class<?> iface, InvocationHandler handler) {
        MethodHandle c = iface == openTelemetry ? newOpenTelemetry : iface == tracerProvider ? newTracerProvider
                : iface == tracerBuilder ? newTracerBuilder : iface == tracer ? newTracer
                : iface == spanBuilder ? newSpanBuilder : newSpan;
        return make(c, handler);
    }

    Object newSpan(SpanHandler handler) {
        return make(newSpan, handler);
    }

    Object newSpanBuilder(SpanBuilderHandler handler) {
        return make(newSpanBuilder, handler);
    }

    Object newTracer(TracerHandler handler) {
        return make(newTracer, handler);
    }

    Object newTracerBuilder(TracerBuilderHandler handler) {
        return make(newTracerBuilder, handler);
    }

    Object newTracerProvider(TracerProviderHandler handler) {
        return make(newTracerProvider, handler);
    }

    Object currentContext() throws Throwable {
        return (Object) contextCurrent.invokeExact();
    }

    Object spanFromContext(Object context) throws Throwable {
        return (Object) spanFromContext.invokeExact(context);
    }

    /** Our handler behind {@code span}, when it is one of our proxies; null otherwise. */
    static SpanHandler handlerOf(Object span) {
        if (span != null && Proxy.isProxyClass(span.getClass())) {
            InvocationHandler h = Proxy.getInvocationHandler(span);
            if (h instanceof SpanHandler) {
                return (SpanHandler) h;
            }
        }
        return null;
    }

    /** A span context of the API (any implementation) as ours; the invalid context for anything unusable. */
    io.connectotel.api.SpanContext toOurs(Object otelSpanContext) throws Throwable {
        if (otelSpanContext == null) {
            return io.connectotel.api.SpanContext.getInvalid();
        }
        String traceId = (String) (Object) getTraceId.invokeExact(otelSpanContext);
        String spanId = (String) (Object) getSpanId.invokeExact(otelSpanContext);
        byte flags = (Byte) (Object) asByte.invokeExact((Object) getTraceFlags.invokeExact(otelSpanContext));
        StringBuilder state = new StringBuilder();
        Object ignored = (Object) traceStateForEach.invokeExact((Object) getTraceState.invokeExact(otelSpanContext),
                (Object) (java.util.function.BiConsumer<String, String>) (k, v) ->
                        state.append(state.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return io.connectotel.api.SpanContext.createFromRemoteParent(traceId, spanId, flags, state.toString());
    }

    /** Our {@code tracestate} header value as the API's {@code TraceState} (its builder puts each new entry first). */
    private Object traceState(String header) throws Throwable {
        if (header == null || header.isEmpty()) {
            return traceStateDefault;
        }
        String[] members = header.split(",");
        Object b = (Object) traceStateBuilder.invokeExact();
        for (int i = members.length - 1; i >= 0; i--) {
            int eq = members[i].indexOf('=');
            if (eq > 0) {
                b = (Object) traceStatePut.invokeExact(b, (Object) members[i].substring(0, eq).trim(), (Object) members[i].substring(eq + 1).trim());
            }
        }
        return (Object) traceStateBuild.invokeExact(b);
    }

    /** The span context of an API span that is not ours (a propagated one, or another implementation's). */
    io.connectotel.api.SpanContext spanContextOfForeign(Object otelSpan) throws Throwable {
        return toOurs((Object) getSpanContext.invokeExact(otelSpan));
    }

    /** Our span context as the API's ({@code SpanContext.create}, with its trace state). */
    Object toOtel(io.connectotel.api.SpanContext c) throws Throwable {
        Object flags = (Object) traceFlagsFromByte.invokeExact((Object) Byte.valueOf(c.getTraceFlags()));
        return (Object) spanContextCreate.invokeExact((Object) c.getTraceId(), (Object) c.getSpanId(), flags, traceState(c.getTraceState()));
    }

    /** A non-recording API span that carries {@code c} ({@code Span.wrap}). */
    Object wrap(io.connectotel.api.SpanContext c) throws Throwable {
        return c.isValid() ? (Object) spanWrap.invokeExact(toOtel(c)) : invalidSpan;
    }

    String attributeKeyName(Object key) throws Throwable {
        return key instanceof String ? (String) key : (String) (Object) attributeKeyName.invokeExact(key);
    }

    /** Calls {@code each} with every key (as a String) and value of an API {@code Attributes}. */
    void forEachAttribute(Object attrs, java.util.function.BiConsumer<String, Object> each) throws Throwable {
        if (attrs == null || !attributes.isInstance(attrs)) {
            return;
        }
        java.util.function.BiConsumer<Object, Object> adapter = (k, v) -> {
            try {
                each.accept(attributeKeyName(k), v);
            } catch (Throwable skipped) {
                // A key we cannot read is left out.
            }
        };
        Object ignored = (Object) attributesForEach.invokeExact(attrs, (Object) adapter);
    }

    /** Runs the interface's default implementation of {@code m} on {@code proxy}. */
    Object invokeDefault(Object proxy, Method m, Object[] args) throws Throwable {
        MethodHandle h = defaults.get(m);
        if (h == null) {
            Class<?> owner = m.getDeclaringClass();
            MethodHandle special = MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).unreflectSpecial(m, owner);
            // (Object proxy, Object[] args) -> Object, so a call is one invokeExact (invokeWithArguments adapts
            // its handle on every call: microseconds).
            h = special.asType(special.type().generic()).asSpreader(1, Object[].class, m.getParameterCount());
            defaults.put(m, h);
        }
        return (Object) h.invokeExact(proxy, args);
    }
}
