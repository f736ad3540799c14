/**
 * Every door of the local stack, fuzzed with `debug: true` (test/fuzz/doors-cases.ts says what and
 * how): request logging at debug must answer every case as fast and as defined as without it.
 */
import { describeDoors } from './doors-cases';

describeDoors(true);
