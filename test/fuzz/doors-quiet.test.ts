/**
 * Every door of the local stack, fuzzed with debug off (test/fuzz/doors-cases.ts says what and how).
 */
import { describeDoors } from './doors-cases';

describeDoors(false);
