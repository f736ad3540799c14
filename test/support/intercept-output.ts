/**
 * What this process writes to stdout and stderr (the Powertools JSON lines of the functions under
 * test: errors and warnings go to stderr, the rest to stdout), kept for the test instead of printed.
 * A test that intercepts output checks those lines itself: the run's capture does not see them.
 */
export interface InterceptedOutput {
  /** The chunks written, in order. */
  written: string[];
  /** The JSON lines written, parsed (other lines skipped). */
  jsonLines(): Record<string, unknown>[];
  restore(): void;
}

export function interceptOutput(): InterceptedOutput {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }),
  );
  return {
    written,
    jsonLines: () =>
      written
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
