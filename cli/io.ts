/** What every `tajo` command writes to, and the error that means "wrong usage" (exit 2). */
import { TajoError } from '../shared/core/errors';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  isTTY: boolean;
}

export const defaultIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  isTTY: Boolean(process.stderr.isTTY),
};

export class UsageError extends TajoError {
  constructor(message: string) {
    super(message, 'usage');
  }
}
