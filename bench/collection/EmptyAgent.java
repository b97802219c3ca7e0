import java.lang.instrument.Instrumentation;

/**
 * A {@code -javaagent} whose premain does nothing: start-up with it minus start-up without any agent is what the
 * JVM's agent machinery costs (the instrument library, its class-file-load hook), so start-up with ours minus
 * start-up with this one is what our premain adds.
 */
public final class EmptyAgent {
    private EmptyAgent() {}

    public static void premain(String args, Instrumentation instrumentation) {}
}
