package io.connectotel.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.junit.jupiter.api.Test;

class TaskAttributionTest {
    private static String[] attributes(String threadName, String... preset) {
        AttributeList a = new AttributeList(SettingsTest.settings(Settings.ALWAYS_ON, 1));
        for (int i = 0; i < preset.length; i += 2) {
            a.put(preset[i], AttributeList.STRING, preset[i + 1], 0);
        }
        TaskAttribution t = TaskAttribution.parse(threadName);
        t.addTo(a);
        String[] kv = new String[2 * a.size];
        for (int i = 0; i < kv.length; i++) {
            kv[i] = (String) a.refs[i];
        }
        return kv;
    }

    @Test
    void theTaskIsTheDigitsAfterTheLastDashAndTheConnectorMayHoldDashes() {
        // No connector-metrics MBean in this JVM: the type is left out.
        assertEquals(String.join(",", TaskAttribution.CONNECTOR, "my-jdbc-sink", TaskAttribution.TASK, "12"),
                String.join(",", attributes("task-thread-my-jdbc-sink-12")));
    }

    @Test
    void threadsThatAreNotATasksGetNothing() {
        assertNull(TaskAttribution.parse("task-thread-"));
        assertNull(TaskAttribution.parse("task-thread-sink-"));
        assertNull(TaskAttribution.parse("task-thread-sink-x1"));
        assertNull(TaskAttribution.parse("task-thread--0"));
    }

    @Test
    void aSpansOwnValuesAreKept() {
        assertEquals(String.join(",", TaskAttribution.TASK, "mine", TaskAttribution.CONNECTOR, "sink"),
                String.join(",", attributes("task-thread-sink-3", TaskAttribution.TASK, "mine")));
    }

    public interface Empty {}

    @Test
    void withTheConnectorOnAnotherWorkerTheTypeComesFromTheTasksOwnMBean() throws Exception {
        // Connect assigns a connector and its tasks separately: here only the task's sink-task-metrics MBean.
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("kafka.connect:type=sink-task-metrics,connector=elsewhere-sink,task=2");
        server.registerMBean(new StandardMBean(new Empty() {}, Empty.class), name);
        try {
            assertEquals(String.join(",", TaskAttribution.CONNECTOR, "elsewhere-sink", TaskAttribution.TASK, "2",
                            TaskAttribution.CONNECTOR_TYPE, "sink"),
                    String.join(",", attributes("task-thread-elsewhere-sink-2")));
            // Another task of that connector, not running here, has no type.
            assertEquals(String.join(",", TaskAttribution.CONNECTOR, "elsewhere-sink", TaskAttribution.TASK, "3"),
                    String.join(",", attributes("task-thread-elsewhere-sink-3")));
        } finally {
            server.unregisterMBean(name);
        }
    }
}
