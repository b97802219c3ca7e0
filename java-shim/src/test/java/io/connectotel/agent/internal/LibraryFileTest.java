package io.connectotel.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibraryFileTest {
    @TempDir
    Path temp;

    /** A minimal 64-bit little-endian ELF: header, one PT_LOAD program header covering the file, padding. */
    static byte[] elf(int type, int machine, int size) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putShort(16, (short) type).putShort(18, (short) machine);
        b.putLong(32, 64); // program headers right after the header
        b.putLong(40, 0); // no section headers
        b.putShort(54, (short) 56).putShort(56, (short) 1).putShort(58, (short) 64).putShort(60, (short) 0);
        b.putInt(64, 1); // PT_LOAD
        b.putLong(64 + 8, 0); // offset
        b.putLong(64 + 32, size); // file size
        return b.array();
    }

    private String check(byte[] bytes, String arch) throws Exception {
        Path f = temp.resolve("lib-" + System.nanoTime() + ".so");
        Files.write(f, bytes);
        return LibraryFile.notALibraryFor(f, arch);
    }

    @Test
    void aCompleteSharedObjectForThisMachinePasses() throws Exception {
        assertNull(check(elf(3, 62, 4096), "x86_64"));
        assertNull(check(elf(3, 183, 4096), "aarch64"));
    }

    @Test
    void everyOtherFileIsNamedForWhatItIs() throws Exception {
        assertEquals("it is not an ELF file", check(new byte[0], "x86_64"));
        assertEquals("it is not an ELF file", check("#!/bin/sh\n".getBytes(), "x86_64"));
        byte[] elf32 = elf(3, 62, 4096);
        elf32[4] = 1;
        assertEquals("it is not a 64-bit little-endian ELF file", check(elf32, "x86_64"));
        assertEquals("it is not a shared library (ELF type 2)", check(elf(2, 62, 4096), "x86_64"));
        assertEquals("it is built for another machine (ELF machine 183, this JVM is x86_64)", check(elf(3, 183, 4096), "x86_64"));
        assertTrue(check(elf(3, 62, 4096), "riscv64").startsWith("it is built for another machine"));
        // Cut inside the program headers, and after them but before the end of the segment.
        assertTrue(check(Arrays.copyOf(elf(3, 62, 4096), 100), "x86_64").contains("program headers are not inside"));
        assertTrue(check(Arrays.copyOf(elf(3, 62, 4096), 2048), "x86_64").contains("a segment ends past its 2048 bytes"));
        byte[] sections = elf(3, 62, 4096);
        ByteBuffer.wrap(sections).order(ByteOrder.LITTLE_ENDIAN).putLong(40, 4000).putShort(60, (short) 10);
        assertTrue(check(sections, "x86_64").contains("section headers end past"));
        Path dir = Files.createDirectory(temp.resolve("dir.so"));
        assertEquals("it is a directory", LibraryFile.notALibraryFor(dir, "x86_64"));
    }

    @Test
    void theUidIsThisProcesssEffectiveUid() throws Exception {
        Path f = Files.createFile(temp.resolve("mine"));
        assertEquals(Files.getAttribute(f, "unix:uid"), LibraryFile.uid());
    }

    @Test
    void onlyRootOrWeMayBeAbleToChangeAPath() throws Exception {
        int uid = LibraryFile.uid();
        Path dir = Files.createDirectory(temp.resolve("d"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path f = Files.write(dir.resolve("lib.so"), new byte[] {1});
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertNull(LibraryFile.untrustedOnPath(f.toRealPath(), uid));

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        assertTrue(LibraryFile.untrustedOnPath(f.toRealPath(), uid).endsWith("can be changed by other users (mode 0664)"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(dir.toRealPath() + " can be changed by other users (mode 0777)", LibraryFile.untrustedOnPath(f.toRealPath(), uid));
        Files.setAttribute(dir, "unix:mode", 01777); // sticky: others cannot rename what is ours
        assertNull(LibraryFile.untrustedDirectory(dir.toRealPath(), uid));
        assertTrue(LibraryFile.notTrusted(f, uid) == null);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        Path link = Files.createSymbolicLink(dir.resolve("link.so"), f);
        assertEquals(link + " is a symbolic link", LibraryFile.notTrusted(link, uid));

        assumeTrue(uid == 0, "changing a file's owner needs root");
        Files.setAttribute(f, "unix:uid", 54321);
        assertEquals(f + " belongs to uid 54321, not to this process's uid 0 or root", LibraryFile.notTrusted(f, uid));
    }
}
