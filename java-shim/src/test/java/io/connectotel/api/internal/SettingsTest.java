package io.connectotel.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SettingsTest {
    static double[] settings(int sampler, double ratio) {
        return new double[] {sampler, ratio, 128, 128, 128, -1};
    }

    @Test
    void alwaysOnAndOff() {
        assertTrue(Settings.sample(settings(Settings.ALWAYS_ON, 0), false, false, 1));
        assertTrue(Settings.sample(settings(Settings.ALWAYS_ON, 0), true, false, 1), "not parent-based");
        assertFalse(Settings.sample(settings(Settings.ALWAYS_OFF, 1), false, false, 1));
        assertFalse(Settings.sample(settings(Settings.ALWAYS_OFF, 1), true, true, 1));
    }

    @Test
    void parentBasedSamplersFollowTheParentAndDecideForRootsAsTheirRootSampler() {
        for (int mode : new int[] {Settings.PARENT_ALWAYS_ON, Settings.PARENT_ALWAYS_OFF, Settings.PARENT_RATIO}) {
            assertTrue(Settings.sample(settings(mode, 0), true, true, 1), "mode " + mode);
            assertFalse(Settings.sample(settings(mode, 1), true, false, 1), "mode " + mode);
        }
        assertTrue(Settings.sample(settings(Settings.PARENT_ALWAYS_ON, 0), false, false, 1));
        assertFalse(Settings.sample(settings(Settings.PARENT_ALWAYS_OFF, 1), false, false, 1));
        assertTrue(Settings.sample(settings(Settings.PARENT_RATIO, 1), false, false, -1));
        assertFalse(Settings.sample(settings(Settings.PARENT_RATIO, 0), false, false, 2));
    }

    /** The SDKs' TraceIdRatioBased: sampled when the low 8 bytes, shifted right once, are below ratio * 2^63. */
    @Test
    void theRatioSamplerComparesTheTraceIdsLowBytesWithTheBound() {
        double[] half = settings(Settings.RATIO_BASED, 0.5);
        long bound = 1L << 62; // 0.5 * 2^63
        assertTrue(Settings.sample(half, false, false, (bound - 1) << 1));
        assertFalse(Settings.sample(half, false, false, bound << 1));
        assertFalse(Settings.sample(half, false, false, -1L), "the top bit is not a sign");
        assertTrue(Settings.sample(settings(Settings.RATIO_BASED, 1.0), false, false, -1L));
        assertFalse(Settings.sample(settings(Settings.RATIO_BASED, 0.0), false, false, 0L));
        assertFalse(Settings.sample(settings(Settings.RATIO_BASED, -3), false, false, 0L));
        assertTrue(Settings.sample(settings(Settings.RATIO_BASED, 2), false, false, -1L));
        int sampled = 0;
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            sampled += Settings.sample(settings(Settings.RATIO_BASED, 0.25), false, false, r.nextLong()) ? 1 : 0;
        }
        assertTrue(Math.abs(sampled - 25_000) < 1_000, sampled + " of 100,000 at 0.25");
    }

    @Test
    void theValueLengthLimitNeverPassesTheHardCap() {
        double[] s = settings(Settings.ALWAYS_ON, 1);
        assertEquals(Settings.HARD_VALUE_CAP, Settings.valueLimit(s));
        s[Settings.ATTRIBUTE_VALUE_LENGTH_LIMIT] = 10;
        assertEquals(10, Settings.valueLimit(s));
        s[Settings.ATTRIBUTE_VALUE_LENGTH_LIMIT] = 1e9;
        assertEquals(Settings.HARD_VALUE_CAP, Settings.valueLimit(s));
        assertEquals(Settings.HARD_NAME_CAP, Settings.name("n".repeat(5000)).length());
        assertEquals("short", Settings.name("short"));
    }
}
