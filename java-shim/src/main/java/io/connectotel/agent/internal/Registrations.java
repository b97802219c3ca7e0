package io.connectotel.agent.internal;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;

/**
 * Follows the platform MBeanServer's registration notifications for the domains the native reader reads, which
 * drains what they said once per collection. It learns two things from them:
 * <ul>
 *   <li>which MBeans were registered since: Kafka's JmxReporter registers an MBean anew each time a metric is
 *       added to it or removed, so an MBean first seen mid-way has more (or fewer) attributes now;</li>
 *   <li>how often an MBean was <em>started</em>, not just re-registered: a task's MBeans are made anew on each
 *       start of the task. JmxReporter re-registers by unregistering and registering the same name in one go on
 *       one thread, and the server tells its listeners on the registering thread; so a registration right after
 *       the same name's unregistration on this thread is a re-registration, any other is a start.</li>
 * </ul>
 * The listener runs on Connect's threads: it only counts, never throws, and keeps at most {@link #MAX_NAMES}
 * names between two drains (past that it only notes the overflow, and the reader asks every MBean afresh).
 */
public final class Registrations implements NotificationListener {
    static final int MAX_NAMES = 100_000;

    /** The name this thread last saw unregistered, until its next notification. */
    private static final ThreadLocal<ObjectName> LAST_UNREGISTERED = new ThreadLocal<>();

    private static volatile Registrations installed;

    private final Set<String> domains;
    private final Map<ObjectName, Seen> seen = new ConcurrentHashMap<>();
    private final AtomicBoolean overflowed = new AtomicBoolean();

    /** Per name since the last drain: guarded by the map's lock on the name (only touched in compute). */
    private static final class Seen {
        int starts;
        long lastStartMillis;
    }

    /** Counts a start (not capturing, so no allocation per call). */
    private static final java.util.function.BiFunction<ObjectName, Seen, Seen> START = (name, s) -> {
        Seen t = s != null ? s : new Seen();
        t.starts++;
        t.lastStartMillis = System.currentTimeMillis();
        return t;
    };

    private Registrations(Set<String> domains) {
        this.domains = domains;
    }

    /**
     * Starts listening for the MBeans of {@code domains}; true when listening (also when it already was). Called by
     * the native reader on its own thread before its first read.
     */
    static boolean install(String[] domains) {
        try {
            if (installed != null) {
                return true;
            }
            Set<String> set = new HashSet<>();
            for (String d : domains) {
                if (d != null) set.add(d);
            }
            Registrations r = new Registrations(set);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, r, null, null);
            installed = r;
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Stops listening (the collector stops). */
    static void uninstall() {
        Registrations r = installed;
        installed = null;
        if (r == null) return;
        try {
            ManagementFactory.getPlatformMBeanServer().removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, r);
        } catch (Throwable ignored) {
            // Already gone: nothing to undo.
        }
    }

    /**
     * What was registered since the last drain, and forgets it: element 0 is "overflow" when names were left out
     * (then every MBean may have changed), else ""; each other element is {@code <starts> <lastStartMillis>
     * <canonical name>}. Null when not installed.
     */
    static String[] drain() {
        Registrations r = installed;
        if (r == null) return null;
        List<String> out = new ArrayList<>();
        out.add(r.overflowed.getAndSet(false) ? "overflow" : "");
        for (ObjectName name : r.seen.keySet()) {
            Seen s = r.seen.remove(name);
            if (s != null) {
                out.add(s.starts + " " + s.lastStartMillis + " " + name.getCanonicalName());
            }
        }
        return out.toArray(new String[0]);
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        try {
            if (!(notification instanceof MBeanServerNotification)) return;
            ObjectName name = ((MBeanServerNotification) notification).getMBeanName();
            String type = notification.getType();
            if (MBeanServerNotification.UNREGISTRATION_NOTIFICATION.equals(type)) {
                LAST_UNREGISTERED.set(name);
                return;
            }
            if (!MBeanServerNotification.REGISTRATION_NOTIFICATION.equals(type) || name == null) return;
            boolean reregistered = name.equals(LAST_UNREGISTERED.get());
            LAST_UNREGISTERED.set(null);
            if (!domains.contains(name.getDomain())) return;
            // The usual case (one per metric Kafka adds): a lock-free read when the name is noted already.
            if (reregistered && seen.containsKey(name)) return;
            if (seen.size() >= MAX_NAMES && !seen.containsKey(name)) {
                overflowed.set(true);
                return;
            }
            if (reregistered) {
                seen.putIfAbsent(name, new Seen());
                return;
            }
            seen.compute(name, START);
        } catch (Throwable t) {
            // Never into Connect's registering thread; a notification lost this way makes the reader ask all afresh.
            overflowed.set(true);
        }
    }
}
