package io.connectotel.agent.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Finds the native library for this platform inside the jar, extracts it into a private directory and loads
 * it. The file name carries the content hash, so an identical file is reused; a directory or file another
 * user could have written is never loaded from.
 */
final class NativeLoader {
    static final class LoadFailure extends Exception {
        private static final long serialVersionUID = 1L;

        LoadFailure(String message) {
            super(message);
        }
    }

    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private NativeLoader() {}

    static void load(String explicitPath) throws LoadFailure {
        if (explicitPath != null && !explicitPath.isEmpty()) {
            loadFile(explicitFile(explicitPath));
            return;
        }
        loadFile(extract(bundled(platform())));
    }

    /** The library at {@code otel.connect.library.path}, which must exist. */
    static Path explicitFile(String explicitPath) throws LoadFailure {
        Path p = Paths.get(explicitPath).toAbsolutePath();
        if (!Files.isRegularFile(p)) {
            throw new LoadFailure("native library " + p + " (from " + Bootstrap.LIBRARY_PATH_KEY + ") does not exist");
        }
        return p;
    }

    /** The jar's library for {@code platform}. */
    static byte[] bundled(String platform) throws LoadFailure {
        String resource = resource(platform);
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new LoadFailure("no native library for " + platform + "; this jar carries "
                        + String.join(", ", BuildInfo.platforms()));
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new LoadFailure("cannot read " + resource + " from the agent jar: " + e);
        }
    }

    static String resource(String platform) {
        return "/native/" + platform + "/libconnect_otel.so";
    }

    /** Writes {@code bytes} into the private directory (unless an identical file of ours is there) and returns the file. */
    static Path extract(byte[] bytes) throws LoadFailure {
        String hash = sha256(bytes);
        Path dir = privateDirectory();
        Path target = dir.resolve("libconnect_otel-" + hash.substring(0, 16) + ".so");
        try {
            if (!(Files.exists(target, LinkOption.NOFOLLOW_LINKS) && isOurs(target) && hash.equals(sha256(Files.readAllBytes(target))))) {
                Path tmp = Files.createTempFile(dir, "libconnect_otel-", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new LoadFailure("cannot extract the native library into " + dir + ": " + e);
        }
        return target;
    }

    static void loadFile(Path p) throws LoadFailure {
        try {
            System.load(p.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new LoadFailure("cannot load native library " + p + ": " + e.getMessage());
        }
    }

    /**
     * This JVM's platform as the jar names its folders: {@code <os>-<arch>}, with {@code -musl} on a musl
     * C library (Alpine). Also the name the "no native library" line gives for one the jar does not carry.
     */
    static String platform() {
        String osName = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String os = osName.startsWith("linux") ? "linux"
                : osName.startsWith("mac") ? "macos"
                : osName.startsWith("windows") ? "windows"
                : osName.replaceAll("[^a-z0-9]", "");
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
                arch = "x86_64";
                break;
            case "aarch64":
            case "arm64":
                arch = "aarch64";
                break;
            default:
                arch = arch.replaceAll("[^a-z0-9_]", "");
        }
        return os + "-" + arch + (os.equals("linux") && isMusl() ? "-musl" : "");
    }

    /**
     * Whether this process runs on musl: its dynamic loader is musl's ({@code ld-musl-<arch>.so.1}, which is
     * also musl's libc). A glibc JVM on Alpine's gcompat has musl underneath too, so the musl library is right
     * there as well.
     */
    static boolean isMusl() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/maps"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                if (line.contains("/ld-musl-") || line.contains("/libc.musl-")) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc (an unusual sandbox): glibc is by far the common case.
        }
        return false;
    }

    /** {@code <tmpdir>/connect-otel-<user>}, created 0700, and refused unless it is still ours and private. */
    static Path privateDirectory() throws LoadFailure {
        String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        Path dir = Paths.get(System.getProperty("java.io.tmpdir"), "connect-otel-" + user);
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // Another JVM of the same user created it: checked below like any existing directory.
                }
            }
            if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new LoadFailure(dir + " is not a plain directory; refusing to load a library from it");
            }
            if (!isOurs(dir) || !Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY_DIR)) {
                throw new LoadFailure(dir + " is not private to " + System.getProperty("user.name")
                        + " (owner and mode 0700 required); refusing to load a library from it");
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new LoadFailure("cannot prepare the private directory " + dir + ": " + e);
        }
        return dir;
    }

    private static boolean isOurs(Path p) throws IOException {
        String owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            return false;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> othersWrite = EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        perms.retainAll(othersWrite);
        return perms.isEmpty() && !Files.isSymbolicLink(p);
    }

    private static String sha256(byte[] bytes) throws LoadFailure {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder sb = new StringBuilder();
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new LoadFailure("no SHA-256 in this JVM");
        }
    }
}
