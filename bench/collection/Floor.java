import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.openmbean.CompositeData;

/**
 * The floor: the least a reader in this JVM can do to get what the agent gets. Per collection one
 * {@code queryNames} per domain and one {@code getAttributes} per MBean the agent reads, for the attributes the
 * agent reads (its rules' attributes that the MBean declares, as {@code src/jni/declared.rs} asks them), each
 * value touched once (numbers as double, {@code CompositeData} items, strings). Which MBean gets which
 * attributes is worked out once per MBean and cached, so a collection does nothing else.
 */
final class Floor {
    /** The agent's rules ({@code src/rules.rs}): domain, type, the other keys, the attributes read. */
    private static final String[][] RULES = {
        {"kafka.connect", "connect-worker-metrics", "", ConnectWorker.WORKER},
        {"kafka.connect", "connect-worker-metrics", "connector", ConnectWorker.CONNECTOR_TASKS},
        {"kafka.connect", "connect-worker-rebalance-metrics", "", "connect-protocol leader-name " + ConnectWorker.REBALANCE_NUMBERS},
        {"kafka.connect", "connector-metrics", "connector", "connector-class connector-type connector-version status"},
        {"kafka.connect", "connector-task-metrics", "connector task", "status " + ConnectWorker.TASK_NUMBERS
                + " connector-type connector-class connector-version task-class task-version key-converter-class"
                + " key-converter-version value-converter-class value-converter-version header-converter-class"
                + " header-converter-version"},
        {"kafka.connect", "source-task-metrics", "connector task", ConnectWorker.SOURCE_TASK
                + " transaction-size-min transaction-size-max transaction-size-avg"},
        {"kafka.connect", "sink-task-metrics", "connector task", ConnectWorker.SINK_TASK},
        {"kafka.connect", "task-error-metrics", "connector task", ConnectWorker.TASK_ERRORS},
        {"kafka.connect", "connector-transform-metrics", "connector task transform", "transform-class transform-version"},
        {"kafka.connect", "connector-predicate-metrics", "connector predicate task", "predicate-class predicate-version"},
        {"kafka.connect", "connect-coordinator-metrics", "client-id", ConnectWorker.COORDINATOR},
        {"kafka.connect", "connect-metrics", "client-id", "connection-count connection-creation-total"
                + " connection-close-total incoming-byte-rate outgoing-byte-rate request-rate response-rate"
                + " successful-authentication-total failed-authentication-total io-ratio io-wait-ratio"},
        {"kafka.connect", "app-info", "", "version commit-id start-time-ms"},
        {"kafka.consumer", "consumer-fetch-manager-metrics", "client-id", "records-lag-max records-lead-min"
                + " records-consumed-rate records-consumed-total bytes-consumed-rate bytes-consumed-total fetch-rate"
                + " fetch-total fetch-latency-avg fetch-latency-max fetch-size-avg records-per-request-avg"},
        {"kafka.consumer", "consumer-coordinator-metrics", "client-id", "assigned-partitions commit-latency-avg"
                + " commit-rate commit-total rebalance-total failed-rebalance-total"},
        {"kafka.consumer", "consumer-metrics", "client-id", "connection-count last-poll-seconds-ago"
                + " time-between-poll-avg time-between-poll-max poll-idle-ratio-avg"},
        {"kafka.producer", "producer-metrics", "client-id", "record-send-rate record-send-total record-error-rate"
                + " record-error-total record-retry-rate record-retry-total request-latency-avg request-latency-max"
                + " outgoing-byte-rate outgoing-byte-total batch-size-avg record-queue-time-avg buffer-available-bytes"
                + " records-per-request-avg produce-throttle-time-avg connection-count"},
        {"java.lang", "MemoryPool", "name", "Type Usage CollectionUsage"},
        {"java.lang", "GarbageCollector", "name", "CollectionCount CollectionTime"},
        {"java.lang", "Threading", "", "ThreadCount DaemonThreadCount"},
        {"java.lang", "ClassLoading", "", "LoadedClassCount TotalLoadedClassCount UnloadedClassCount"},
        {"java.lang", "OperatingSystem", "", "ProcessCpuTime ProcessCpuLoad AvailableProcessors SystemLoadAverage"
                + " CpuLoad OpenFileDescriptorCount"},
    };
    private static final String[] ITEMS = {"used", "committed", "max"};
    private static final String[] SKIP = new String[0];

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final List<ObjectName> queries = new ArrayList<>();
    private final Map<String, Set<String>> rules = new HashMap<>();
    private final Map<ObjectName, String[]> plan = new HashMap<>();
    /** Touched values end up here, so that no read can be optimised away. */
    double checksum;
    long mbeans;
    long attributes;

    Floor() throws JMException {
        Set<String> domains = new HashSet<>();
        for (String[] r : RULES) {
            if (domains.add(r[0])) {
                queries.add(new ObjectName(r[0] + ":*"));
            }
            rules.put(r[0] + "|" + r[1] + "|" + r[2], new HashSet<>(Arrays.asList(r[3].split(" "))));
        }
    }

    /** One collection; {@link #mbeans} and {@link #attributes} say what it read. */
    void collect() {
        long beans = 0;
        long values = 0;
        for (ObjectName query : queries) {
            for (ObjectName name : server.queryNames(query, null)) {
                String[] attrs = plan.get(name);
                if (attrs == null) {
                    attrs = attributesFor(name);
                    plan.put(name, attrs);
                }
                if (attrs == SKIP) {
                    continue;
                }
                AttributeList list;
                try {
                    list = server.getAttributes(name, attrs);
                } catch (InstanceNotFoundException | ReflectionException e) {
                    continue;
                }
                beans++;
                for (int i = 0, n = list.size(); i < n; i++) {
                    Object v = ((Attribute) list.get(i)).getValue();
                    if (v != null) {
                        touch(v);
                        values++;
                    }
                }
            }
        }
        if (plan.size() > 4 * beans + 1000) {
            plan.clear();
        }
        mbeans = beans;
        attributes = values;
    }

    private void touch(Object v) {
        if (v instanceof Number) {
            checksum += ((Number) v).doubleValue();
        } else if (v instanceof Boolean) {
            checksum += (Boolean) v ? 1 : 0;
        } else if (v instanceof CompositeData) {
            CompositeData c = (CompositeData) v;
            for (String item : ITEMS) {
                if (c.containsKey(item) && c.get(item) instanceof Number) {
                    checksum += ((Number) c.get(item)).doubleValue();
                }
            }
        } else {
            checksum += v.toString().length();
        }
    }

    /** The rule attributes the MBean declares, or {@link #SKIP} when the agent does not read it. */
    private String[] attributesFor(ObjectName name) {
        String type = name.getKeyProperty("type");
        if (type == null) {
            return SKIP;
        }
        List<String> keys = new ArrayList<>(name.getKeyPropertyList().keySet());
        keys.remove("type");
        keys.sort(null);
        Set<String> wanted = rules.get(name.getDomain() + "|" + type + "|" + String.join(" ", keys));
        if (wanted == null) {
            return SKIP;
        }
        List<String> declared = new ArrayList<>();
        try {
            for (MBeanAttributeInfo info : server.getMBeanInfo(name).getAttributes()) {
                if (wanted.contains(info.getName())) {
                    declared.add(info.getName());
                }
            }
        } catch (JMException e) {
            return SKIP;
        }
        return declared.toArray(new String[0]);
    }
}
