package io.connectotel.agent.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegistrationsTest {
    public interface ProbeMBean {
        int getValue();
    }

    public static final class Probe implements ProbeMBean {
        @Override
        public int getValue() {
            return 1;
        }
    }

    static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @AfterEach
    void uninstall() throws Exception {
        Registrations.uninstall();
        for (ObjectName n : SERVER.queryNames(new ObjectName("registrations.test*:*"), null)) {
            SERVER.unregisterMBean(n);
        }
    }

    /** The drained lines by canonical name: starts. */
    static Map<String, Integer> drained() {
        String[] lines = Registrations.drain();
        assertEquals("", lines[0], "no overflow");
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] w = lines[i].split(" ", 3);
            out.put(w[2], Integer.parseInt(w[0]));
        }
        return out;
    }

    static ObjectName name(String s) throws Exception {
        return new ObjectName(s);
    }

    @Test
    void a_registration_right_after_its_unregistration_is_no_start() throws Exception {
        assertTrue(Registrations.install(new String[] {"registrations.test"}));
        ObjectName task = name("registrations.test:type=task,task=0");
        SERVER.registerMBean(new Probe(), task);
        // As JmxReporter re-registers for each metric added: unregister and register, one after the other.
        for (int i = 0; i < 5; i++) {
            SERVER.unregisterMBean(task);
            SERVER.registerMBean(new Probe(), task);
        }
        assertEquals(Map.of(task.getCanonicalName(), 1), drained());
        // Drained means forgotten.
        assertEquals(Map.of(), drained());
    }

    @Test
    void a_registration_after_other_notifications_is_a_start() throws Exception {
        assertTrue(Registrations.install(new String[] {"registrations.test"}));
        ObjectName task = name("registrations.test:type=task,task=0");
        ObjectName errors = name("registrations.test:type=errors,task=0");
        SERVER.registerMBean(new Probe(), task);
        SERVER.registerMBean(new Probe(), errors);
        drained();
        // Three restarts: every MBean of the task goes, then comes back.
        for (int i = 0; i < 3; i++) {
            SERVER.unregisterMBean(task);
            SERVER.unregisterMBean(errors);
            SERVER.registerMBean(new Probe(), task);
            SERVER.registerMBean(new Probe(), errors);
        }
        Map<String, Integer> d = drained();
        assertEquals(3, d.get(task.getCanonicalName()));
        // Its registration came right after `task`'s, not after its own unregistration.
        assertEquals(3, d.get(errors.getCanonicalName()));
    }

    @Test
    void a_registration_on_another_thread_is_a_start() throws Exception {
        assertTrue(Registrations.install(new String[] {"registrations.test"}));
        ObjectName task = name("registrations.test:type=task,task=1");
        SERVER.registerMBean(new Probe(), task);
        SERVER.unregisterMBean(task);
        Thread other = new Thread(() -> {
            try {
                SERVER.registerMBean(new Probe(), task);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        other.start();
        other.join();
        assertEquals(Map.of(task.getCanonicalName(), 2), drained());
    }

    @Test
    void other_domains_are_not_followed() throws Exception {
        assertTrue(Registrations.install(new String[] {"registrations.test"}));
        SERVER.registerMBean(new Probe(), name("registrations.testother:type=x"));
        assertEquals(Map.of(), drained());
    }

    @Test
    void installing_twice_keeps_one_listener_and_uninstalled_drains_nothing() throws Exception {
        assertTrue(Registrations.install(new String[] {"registrations.test"}));
        assertTrue(Registrations.install(new String[] {"registrations.test"}));
        ObjectName task = name("registrations.test:type=task,task=2");
        SERVER.registerMBean(new Probe(), task);
        assertEquals(Map.of(task.getCanonicalName(), 1), drained());
        Registrations.uninstall();
        assertNull(Registrations.drain());
        SERVER.unregisterMBean(task);
        SERVER.registerMBean(new Probe(), task);
        assertTrue(Registrations.install(new String[] {"registrations.test"}));
        assertArrayEquals(new String[] {""}, Registrations.drain(), "what happened while uninstalled is not counted");
    }
}
