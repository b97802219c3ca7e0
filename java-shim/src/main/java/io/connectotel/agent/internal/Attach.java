package io.connectotel.agent.internal;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import io.connectotel.agent.Agent;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code attach [--force] <pid> [key=value,...]}: starts the agent in a running worker through the JDK's Attach
 * API, as {@code -javaagent:<this jar>=key=value,...} would have at start-up. Every refusal is one
 * {@code connect-otel:} line and leaves the target as it was: the checks that can run without touching the
 * target (process exists, same user, is a JVM) run before the Attach API is used, because attaching to a process
 * that is not a JVM sends it SIGQUIT, which ends most programs.
 */
public final class Attach {
    static final int STARTED = 0;
    static final int REFUSED = 1;
    static final int BAD_USAGE = 2;
    static final int ALREADY_RUNNING = 3;

    /** The main classes a Connect worker runs under (Kafka's own launchers). */
    private static final List<String> WORKER_MAIN_CLASSES = List.of(
            "org.apache.kafka.connect.cli.ConnectDistributed",
            "org.apache.kafka.connect.cli.ConnectStandalone",
            "org.apache.kafka.connect.mirror.MirrorMaker");

    private static final String USAGE = "usage: java -jar connect-otel-agent.jar attach [--force] <pid> [key=value,...]";

    private Attach() {}

    /** A refusal: its message is the one line printed. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        Refused(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    public static int run(String[] args) {
        try {
            Request request = Request.parse(args);
            checkAttachAvailable();
            Path jar = ownJar();
            checkProcess(request.pid);
            // Loaded only now: on a Java without jdk.attach, its references to com.sun.tools.attach never resolve.
            String version = AttachClient.start(request, jar);
            System.out.println("connect-otel: the agent (version " + version + ") runs in " + request.pid + " now; it "
                    + "writes its lines to that worker's standard error");
            return STARTED;
        } catch (Refused r) {
            System.err.println(r.getMessage());
            return r.exitCode;
        } catch (Throwable t) {
            System.err.println("connect-otel: attach failed unexpectedly: " + t);
            return REFUSED;
        }
    }

    /** The command line: {@code --force} anywhere, then the pid and at most one options argument. */
    static final class Request {
        final long pid;
        final String options;
        final boolean force;

        private Request(long pid, String options, boolean force) {
            this.pid = pid;
            this.options = options;
            this.force = force;
        }

        static Request parse(String[] args) throws Refused {
            boolean force = false;
            List<String> positional = new ArrayList<>();
            for (String a : args) {
                if (a.equals("--force")) {
                    force = true;
                } else if (a.startsWith("--")) {
                    throw new Refused(BAD_USAGE, "connect-otel: unknown option " + a + " (" + USAGE + ")");
                } else {
                    positional.add(a);
                }
            }
            if (positional.isEmpty() || positional.size() > 2) {
                throw new Refused(BAD_USAGE, positional.isEmpty() ? "connect-otel: " + USAGE
                        : "connect-otel: the options are one argument, key=value pairs separated by commas (" + USAGE + ")");
            }
            long pid;
            try {
                pid = Long.parseLong(positional.get(0));
            } catch (NumberFormatException e) {
                pid = -1;
            }
            if (pid <= 0) {
                throw new Refused(BAD_USAGE, "connect-otel: " + positional.get(0) + " is not a process id (" + USAGE + ")");
            }
            // Null, not "": the agent then sees what -javaagent:jar (without "=") gives it.
            String options = positional.size() == 2 && !positional.get(1).isEmpty() ? positional.get(1) : null;
            return new Request(pid, options, force);
        }
    }

    private static void checkAttachAvailable() throws Refused {
        if (ModuleLayer.boot().findModule("jdk.attach").isEmpty()) {
            throw new Refused(REFUSED, "connect-otel: this Java (" + System.getProperty("java.home") + ") has no "
                    + "jdk.attach module (a JRE or a trimmed image): run attach with a JDK's java, e.g. the JDK the worker runs on");
        }
    }

    /** The jar this class was loaded from: the agent the target gets is exactly the one that runs here. */
    static Path ownJar() throws Refused {
        CodeSource source = Attach.class.getProtectionDomain().getCodeSource();
        Path jar = null;
        try {
            if (source != null && source.getLocation() != null) {
                jar = Paths.get(source.getLocation().toURI()).toAbsolutePath();
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            jar = null;
        }
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new Refused(REFUSED, "connect-otel: attach must run from the agent jar (java -jar connect-otel-agent.jar "
                    + "attach ...); it runs from " + (jar == null ? "an unknown location" : jar.toString()));
        }
        return jar;
    }

    /** What can be known about the target without the Attach API (Linux's /proc). */
    static void checkProcess(long pid) throws Refused {
        if (pid == ProcessHandle.current().pid()) {
            throw new Refused(REFUSED, "connect-otel: " + pid + " is this attach command itself; give the worker's pid");
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            throw new Refused(REFUSED, "connect-otel: no process with pid " + pid + "; nothing done");
        }
        Path proc = Paths.get("/proc", Long.toString(pid));
        if (!Files.isDirectory(proc)) {
            return; // no /proc (not Linux): the Attach API does its own checks
        }
        try {
            int ours = effectiveUid(Paths.get("/proc/self"));
            int theirs = effectiveUid(proc);
            // The JVM accepts attach requests only from its own effective user (and root).
            if (ours != 0 && ours != theirs) {
                String owner = Files.getOwner(proc).getName();
                throw new Refused(REFUSED, "connect-otel: process " + pid + " belongs to user " + owner + " and this runs as "
                        + System.getProperty("user.name") + ": run attach as that user (e.g. sudo -u " + owner
                        + " java -jar ...); nothing done");
            }
        } catch (IOException | RuntimeException e) {
            // Owner unknown: the Attach API refuses a foreign process itself.
        }
        if (!isJvm(proc)) {
            throw new Refused(REFUSED, "connect-otel: process " + pid + " (" + commandOf(process.get())
                    + ") is not a Java virtual machine; nothing done");
        }
    }

    /**
     * From {@code status}, which anyone may read: the owner of {@code /proc/<pid>} is root for a process that is
     * not dumpable, whoever it runs as.
     */
    private static int effectiveUid(Path proc) throws IOException {
        for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in " + proc.resolve("status"));
    }

    /**
     * A HotSpot (or OpenJ9) JVM maps libjvm.so; nothing else does. A process that is not dumpable hides its maps
     * even from its own user: then its program must be called java.
     */
    private static boolean isJvm(Path proc) throws Refused {
        try {
            for (String line : Files.readAllLines(proc.resolve("maps"), StandardCharsets.ISO_8859_1)) {
                if (line.endsWith("/libjvm.so")) {
                    return true;
                }
            }
            return false;
        } catch (IOException hidden) {
            try {
                String argv0 = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.ISO_8859_1).split("\0", 2)[0];
                return argv0.equals("java") || argv0.endsWith("/java");
            } catch (IOException e) {
                throw new Refused(REFUSED, "connect-otel: cannot inspect process " + proc.getFileName() + " ("
                        + e.getMessage() + "): run attach as the worker's user; nothing done");
            }
        }
    }

    private static String commandOf(ProcessHandle process) {
        return process.info().command().orElse("unknown command");
    }

    /** Whether {@code sun.java.command} is one of Kafka's Connect launchers. */
    static boolean isConnectWorker(String javaCommand) {
        if (javaCommand == null) {
            return false;
        }
        String main = javaCommand.trim().split("\\s+", 2)[0];
        return WORKER_MAIN_CLASSES.contains(main);
    }

    /** The feature release of a {@code java.specification.version} ("1.8" → 8, "17" → 17), 0 if unreadable. */
    static int featureRelease(String specVersion) {
        if (specVersion == null) {
            return 0;
        }
        String s = specVersion.startsWith("1.") ? specVersion.substring(2) : specVersion;
        int dot = s.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? s : s.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * What the target's system properties say before anything is loaded: the agent already there, not a worker,
     * too old a Java. Returns normally when the agent may be loaded.
     */
    static void checkTarget(long pid, Properties target, boolean force) throws Refused {
        String running = target.getProperty(Agent.RUNNING_PROPERTY);
        if (running != null) {
            throw new Refused(ALREADY_RUNNING, "connect-otel: already running in " + pid + " (version " + running
                    + "); nothing done");
        }
        int release = featureRelease(target.getProperty("java.specification.version"));
        if (release != 0 && release < 11) {
            throw new Refused(REFUSED, "connect-otel: process " + pid + " runs Java "
                    + target.getProperty("java.specification.version") + "; the agent needs Java 11 or later; nothing done");
        }
        String command = target.getProperty("sun.java.command");
        if (!force && !isConnectWorker(command)) {
            String main = command == null || command.isBlank() ? "unknown" : command.trim().split("\\s+", 2)[0];
            throw new Refused(REFUSED, "connect-otel: process " + pid + " is not a Kafka Connect worker (main class "
                    + main + ", expected one of " + String.join(", ", WORKER_MAIN_CLASSES)
                    + "); nothing done (--force attaches anyway)");
        }
    }

    /** Everything that uses com.sun.tools.attach, in a class of its own (see {@link #run}). */
    private static final class AttachClient {
        private AttachClient() {}

        /** Attaches, checks the target, loads the agent; returns the version the agent reports from inside. */
        static String start(Request request, Path jar) throws Refused {
            String pid = Long.toString(request.pid);
            VirtualMachine vm;
            try {
                vm = VirtualMachine.attach(pid);
            } catch (AttachNotSupportedException | IOException e) {
                throw new Refused(REFUSED, "connect-otel: cannot attach to " + pid + ": " + e.getMessage()
                        + " (a JVM started with -XX:+DisableAttachMechanism, or one in another container, refuses); "
                        + "nothing done");
            }
            try {
                checkTarget(request.pid, vm.getSystemProperties(), request.force);
                vm.loadAgent(jar.toString(), request.options);
                String version = vm.getSystemProperties().getProperty(Agent.RUNNING_PROPERTY);
                return version == null ? "unknown" : version;
            } catch (AgentLoadException e) {
                String why = String.valueOf(e.getMessage());
                if (why.contains("EnableDynamicAgentLoading")) {
                    throw new Refused(REFUSED, "connect-otel: process " + pid + " runs with -XX:-EnableDynamicAgentLoading "
                            + "and loads no agent at run time: add -javaagent:" + jar + " to its JVM options and restart it; "
                            + "nothing done");
                }
                throw new Refused(REFUSED, "connect-otel: process " + pid + " did not load the agent: " + why
                        + " (can the worker's user read " + jar + "?)");
            } catch (AgentInitializationException e) {
                throw new Refused(REFUSED, "connect-otel: the agent did not start in " + pid + ": " + e.getMessage()
                        + "; the worker's log says why");
            } catch (IOException e) {
                throw new Refused(REFUSED, "connect-otel: the connection to " + pid + " failed: " + e.getMessage());
            } finally {
                try {
                    vm.detach();
                } catch (IOException e) {
                    // The agent is loaded or refused already; a failed goodbye changes nothing in the target.
                }
            }
        }
    }
}
