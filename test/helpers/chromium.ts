import { CHROMIUM_FLAGS } from '../../src/launcher/chromium-process';

/** Flags for a Chromium launched by a test itself (not through the launcher): the launcher's own. */
export const CHROMIUM_TEST_ARGS = [...CHROMIUM_FLAGS];
