/**
 * Loads one definition file as the local CLI does (a Node process with tsx, no Jest): prints the
 * normalized definition as JSON, or the refusal line on stderr with exit code 2. The loader tests
 * run it in a child process, since Jest refuses module hooks in its sandbox.
 */
import { loadDefinitionFile } from '../../../shared/connectors/custom/definition/load';

loadDefinitionFile(process.argv[2] ?? '').then(
  (definition) => process.stdout.write(`${JSON.stringify(definition)}\n`),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
  },
);
