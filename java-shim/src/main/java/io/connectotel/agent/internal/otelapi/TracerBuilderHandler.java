package io.connectotel.agent.internal.otelapi;

/** {@code TracerBuilder}: the version is the scope's; the schema URL is not carried (the span format has none). */
final class TracerBuilderHandler extends Handler {
    private final TracerProviderHandler provider;
    private final Object scopeName;
    private Object version;

    TracerBuilderHandler(OtelTypes types, TracerProviderHandler provider, Object scopeName) {
        super(types);
        this.provider = provider;
        this.scopeName = scopeName;
    }

    @Override
    Object handle(Object proxy, String name, Object[] a) {
        switch (name) {
            case "setInstrumentationVersion":
                if (a.length == 1) {
                    version = a[0];
                    return proxy;
                }
                return UNHANDLED;
            case "setSchemaUrl":
                return proxy;
            case "build":
                return provider.tracer(scopeName, version);
            default:
                return UNHANDLED;
        }
    }
}
