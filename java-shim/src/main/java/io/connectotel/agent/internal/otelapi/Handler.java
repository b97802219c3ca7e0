package io.connectotel.agent.internal.otelapi;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;

/**
 * What every proxy of ours does with a call: its own methods, then {@code Object}'s, then the interface's default
 * method (newer API versions add methods with defaults), and for anything else a neutral answer (the proxy itself
 * for a builder-style method, zero, false or null). Nothing is ever thrown into the caller: a failing call gets the
 * neutral answer too.
 */
abstract class Handler implements InvocationHandler {
    private static final Object[] NO_ARGS = new Object[0];
    /** Returned by {@link #handle} for a call it leaves to the default path. */
    static final Object UNHANDLED = new Object();

    final OtelTypes types;

    Handler(OtelTypes types) {
        this.types = types;
    }

    /** This proxy's own methods, by name and argument count; {@link #UNHANDLED} for the rest. */
    abstract Object handle(Object proxy, String name, Object[] args) throws Throwable;

    @Override
    public final Object invoke(Object proxy, Method m, Object[] args) {
        Object[] a = args == null ? NO_ARGS : args;
        try {
            Object r = handle(proxy, m.getName(), a);
            if (r != UNHANDLED) {
                return r;
            }
            switch (m.getName()) {
                case "equals":
                    if (a.length == 1 && m.getDeclaringClass() == Object.class) return proxy == a[0];
                    break;
                case "hashCode":
                    if (a.length == 0) return System.identityHashCode(proxy);
                    break;
                case "toString":
                    if (a.length == 0) return "connect-otel " + getClass().getSimpleName().replace("Handler", "");
                    break;
                default:
                    break;
            }
            if (m.isDefault()) {
                return types.invokeDefault(proxy, m, a);
            }
        } catch (Throwable t) {
            // Into the neutral answer below: the connector's code never sees our failure.
        }
        return neutral(proxy, m);
    }

    /** An answer of the right type that changes nothing. */
    final Object neutral(Object proxy, Method m) {
        Class<?> r = m.getReturnType();
        if (r == void.class) return null;
        if (r.isInstance(proxy)) return proxy;
        if (r == boolean.class) return Boolean.FALSE;
        if (r == long.class) return 0L;
        if (r == int.class) return 0;
        if (r == double.class) return 0.0;
        if (r == float.class) return 0.0f;
        if (r == short.class) return (short) 0;
        if (r == byte.class) return (byte) 0;
        if (r == char.class) return (char) 0;
        return types.neutralOf(r);
    }
}
