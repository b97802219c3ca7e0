package io.connectotel.api.internal;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The Connect task a thread works for, so that every span started on it says so without the connector's help:
 * Connect names a task's thread {@code task-thread-<connector>-<task>} while the task runs (WorkerTask), and its
 * connector's MBean {@code kafka.connect:type=connector-metrics,connector=<connector>} tells the connector's
 * type. The same attribute names as the agent's metrics, so spans and series of a task join. Worked out once per
 * thread name (Connect reuses threads); the type, which may be missing while the connector starts, is asked again
 * at most every few seconds until known.
 */
public final class TaskAttribution {
    public static final String CONNECTOR = "kafka.connect.connector";
    public static final String TASK = "kafka.connect.task.id";
    public static final String CONNECTOR_TYPE = "kafka.connect.connector.type";

    private static final String PREFIX = "task-thread-";
    private static final long TYPE_RETRY_NANOS = 5_000_000_000L;
    private static final ThreadLocal<TaskAttribution> PER_THREAD = new ThreadLocal<>();

    private final String threadName;
    private final String connector;
    private final String task;
    private String type; // null until the connector's MBean told it
    private long typeAskedAt;
    private boolean typeAsked;

    private TaskAttribution(String threadName, String connector, String task) {
        this.threadName = threadName;
        this.connector = connector;
        this.task = task;
    }

    /** The task of the calling thread, or null when it is not a Connect task thread. Never throws. */
    public static TaskAttribution current() {
        try {
            String name = Thread.currentThread().getName();
            if (name == null || !name.startsWith(PREFIX)) {
                return null;
            }
            TaskAttribution t = PER_THREAD.get();
            if (t == null || !(t.threadName == name || t.threadName.equals(name))) {
                t = parse(name);
                if (t == null) {
                    return null;
                }
                PER_THREAD.set(t);
            }
            return t;
        } catch (Throwable t) {
            return null;
        }
    }

    /** {@code task-thread-<connector>-<task>}: the task is the digits after the last dash (names may hold dashes). */
    static TaskAttribution parse(String threadName) {
        int dash = threadName.lastIndexOf('-');
        if (dash <= PREFIX.length() || dash == threadName.length() - 1) {
            return null;
        }
        for (int i = dash + 1; i < threadName.length(); i++) {
            if (threadName.charAt(i) < '0' || threadName.charAt(i) > '9') {
                return null;
            }
        }
        return new TaskAttribution(threadName, threadName.substring(PREFIX.length(), dash), threadName.substring(dash + 1));
    }

    /** Adds the task's attributes to {@code attributes}, keeping any the span set itself. */
    public void addTo(AttributeList attributes) {
        putIfAbsent(attributes, CONNECTOR, connector);
        putIfAbsent(attributes, TASK, task);
        String t = type();
        if (t != null) {
            putIfAbsent(attributes, CONNECTOR_TYPE, t);
        }
    }

    private static void putIfAbsent(AttributeList a, String key, String value) {
        for (int i = 0; i < a.size; i++) {
            if (key.equals(a.refs[2 * i])) {
                return;
            }
        }
        a.put(key, AttributeList.STRING, value, 0);
    }

    private String type() {
        if (type == null && (!typeAsked || System.nanoTime() - typeAskedAt > TYPE_RETRY_NANOS)) {
            typeAsked = true;
            typeAskedAt = System.nanoTime();
            type = askType(connector, task);
        }
        return type;
    }

    /**
     * {@code source} or {@code sink} from the connector's MBean, or, where the connector runs on another worker
     * (Connect assigns a connector and its tasks separately), from which kind of task MBean this task has here;
     * null when neither is there yet (or no JMX).
     */
    private static String askType(String connector, String task) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (String value : new String[] {connector, ObjectName.quote(connector)}) {
                ObjectName name;
                try {
                    name = new ObjectName("kafka.connect:type=connector-metrics,connector=" + value);
                } catch (Exception notThisForm) {
                    continue;
                }
                if (server.isRegistered(name)) {
                    Object v = server.getAttribute(name, "connector-type");
                    String s = v == null ? null : v.toString().toLowerCase(java.util.Locale.ROOT);
                    return "source".equals(s) || "sink".equals(s) ? s : null;
                }
                for (String kind : new String[] {"sink", "source"}) {
                    try {
                        if (server.isRegistered(new ObjectName("kafka.connect:type=" + kind + "-task-metrics,connector="
                                + value + ",task=" + task))) {
                            return kind;
                        }
                    } catch (Exception notThisForm) {
                        // the other form
                    }
                }
            }
        } catch (Throwable t) {
            // No type: the span still carries the connector and the task.
        }
        return null;
    }
}
