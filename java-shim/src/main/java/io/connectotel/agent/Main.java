package io.connectotel.agent;

import io.connectotel.agent.internal.Attach;
import io.connectotel.agent.internal.BuildInfo;
import io.connectotel.agent.internal.SelfCheck;
import java.util.Arrays;

/**
 * {@code java -jar connect-otel-agent.jar <command>}: the jar's tools for operators. Nothing here runs inside a
 * worker; the agent itself starts from {@link Agent}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String command = args.length == 0 ? "" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "--version":
            case "version":
                System.out.println(BuildInfo.describe());
                return 0;
            case "attach":
                return Attach.run(rest);
            case "check":
                return SelfCheck.run(rest);
            default:
                System.err.println("usage: java -jar connect-otel-agent.jar <command>\n"
                        + "  attach [--force] <pid> [key=value,...]\n"
                        + "                                 start the agent in a running worker (no restart)\n"
                        + "  check [--endpoint URL] [--worker-config FILE]\n"
                        + "                                 will the agent work here? one line per check\n"
                        + "  --version                      version, commit and the platforms this jar carries\n"
                        + "As an agent: -javaagent:connect-otel-agent.jar[=key=value,...]");
                return command.isEmpty() || command.equals("--help") || command.equals("help") ? 0 : 2;
        }
    }
}
