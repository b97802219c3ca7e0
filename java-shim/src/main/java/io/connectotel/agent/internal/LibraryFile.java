package io.connectotel.agent.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * The checks a library file passes before {@code System.load}, which resolves its path again in the kernel.
 *
 * <p>Why the path and not only the file: a check of the file followed by a load of its path is a race that
 * another user wins whenever they can rename a directory on that path (a world-writable {@code java.io.tmpdir}
 * without the sticky bit). So every directory from {@code /} down must be one that only root or we can
 * change: owned by root or by us, and not writable by group or others unless sticky (where others cannot
 * rename what is ours). Then nobody else can change what the path resolves to between check and load.
 *
 * <p>Why the ELF header: the dynamic loader maps a library's segments as its program headers say, and a
 * truncated file makes that mapping run past the end of the file (SIGBUS, the JVM dies). A file is loaded only
 * when it is a shared object for this machine whose headers and segments all lie inside the file.
 */
final class LibraryFile {
    private LibraryFile() {}

    /** This process's effective user id, by number (a container's UID often has no passwd entry, so no name). */
    static int uid() throws IOException {
        // Not the owner of /proc/self: after a change of user (setpriv, su) the process may be non-dumpable,
        // and /proc/self then belongs to root.
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("Uid:")) {
                String[] ids = line.substring(4).trim().split("\\s+");
                if (ids.length >= 2) {
                    return Integer.parseInt(ids[1]);
                }
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    /** Null when only root or {@code uid} can change {@code p} (a directory, or a file's entry in one). */
    static String notTrusted(Path p, int uid) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            return p + " is a symbolic link";
        }
        if (owner != 0 && owner != uid) {
            return p + " belongs to uid " + owner + ", not to this process's uid " + uid + " or root";
        }
        boolean sticky = (mode & 01000) != 0;
        if ((mode & 0022) != 0 && !(a.isDirectory() && sticky)) {
            return p + " can be changed by other users (mode " + String.format("%04o", mode & 07777) + ")";
        }
        return null;
    }

    /**
     * Null when every directory from {@code /} down to {@code dir} (a real path) can be changed only by root
     * or {@code uid}; otherwise what is wrong with the first one that can.
     */
    static String untrustedDirectory(Path dir, int uid) throws IOException {
        Path at = dir.getRoot();
        for (Path part : dir) {
            String problem = notTrusted(at, uid);
            if (problem != null) {
                return problem;
            }
            at = at.resolve(part);
        }
        return notTrusted(at, uid);
    }

    /** The same for a file (a real path): its directories, then the file itself. */
    static String untrustedOnPath(Path file, int uid) throws IOException {
        String problem = untrustedDirectory(file.getParent(), uid);
        return problem != null ? problem : notTrusted(file, uid);
    }

    private static final int EM_X86_64 = 62;
    private static final int EM_AARCH64 = 183;
    private static final int PT_LOAD = 1;

    /**
     * Null when {@code file} is a regular file holding a complete 64-bit little-endian shared object for
     * {@code arch} ({@code x86_64} or {@code aarch64}); otherwise why not. Never opens anything but a regular
     * file (a FIFO would block the open).
     */
    static String notALibraryFor(Path file, String arch) {
        try {
            PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return a.isDirectory() ? "it is a directory" : "it is not a regular file";
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                long size = ch.size();
                ByteBuffer h = read(ch, 0, 64);
                if (h == null || h.getInt(0) != 0x464c457f) {
                    return "it is not an ELF file";
                }
                if (h.get(4) != 2 || h.get(5) != 1) {
                    return "it is not a 64-bit little-endian ELF file";
                }
                int type = h.getShort(16) & 0xffff;
                int machine = h.getShort(18) & 0xffff;
                if (type != 3) {
                    return "it is not a shared library (ELF type " + type + ")";
                }
                int want = arch.equals("aarch64") ? EM_AARCH64 : arch.equals("x86_64") ? EM_X86_64 : -1;
                if (machine != want) {
                    return "it is built for another machine (ELF machine " + machine + ", this JVM is " + arch + ")";
                }
                long phoff = h.getLong(32);
                long shoff = h.getLong(40);
                int phentsize = h.getShort(54) & 0xffff;
                int phnum = h.getShort(56) & 0xffff;
                int shentsize = h.getShort(58) & 0xffff;
                int shnum = h.getShort(60) & 0xffff;
                if (phnum == 0 || phentsize < 56 || !inside(phoff, (long) phnum * phentsize, size)) {
                    return "it is truncated or damaged (its program headers are not inside its " + size + " bytes)";
                }
                if (shnum > 0 && !inside(shoff, (long) shnum * shentsize, size)) {
                    return "it is truncated (its section headers end past its " + size + " bytes)";
                }
                ByteBuffer ph = read(ch, phoff, phnum * phentsize);
                if (ph == null) {
                    return "it is truncated (its program headers cannot be read)";
                }
                for (int i = 0; i < phnum; i++) {
                    int at = i * phentsize;
                    if (ph.getInt(at) == PT_LOAD && !inside(ph.getLong(at + 8), ph.getLong(at + 32), size)) {
                        return "it is truncated (a segment ends past its " + size + " bytes)";
                    }
                }
                return null;
            }
        } catch (IOException e) {
            return "it cannot be read: " + e;
        }
    }

    private static boolean inside(long offset, long length, long size) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    /** {@code length} bytes at {@code offset}, little-endian, or null when the file ends first. */
    private static ByteBuffer read(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) < 0) {
                return null;
            }
        }
        return b.flip();
    }
}
