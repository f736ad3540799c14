/**
 * One Lambda function of the topology, in the style of Powertools' example app: Node.js 24 on arm64,
 * an explicit (CMK-encrypted) log group with retention, active tracing, source maps, and esbuild
 * bundling with the runtime's AWS SDK left external. The function gets its own role whose only
 * built-in permission is writing to its own log group (no AWSLambdaBasicExecutionRole, so no IAM4).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionSpec } from '../../shared/app/topology';
import { acknowledge, nagResource } from '../nag';

/** The project root (holds package.json, package-lock.json and the topology's entry paths). */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The catalogue's folder in the project, and its name in each function's bundle. */
const CATALOGUE_SOURCE = 'shared/connectors/catalogue';
const CATALOGUE_IN_BUNDLE = 'catalogue';

export interface TajoFunctionProps {
  /** `tajo-<stage>-<name>`: function name and log group name. */
  functionName: string;
  spec: FunctionSpec;
  environment: Record<string, string>;
  key: kms.IKey;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

export class TajoFunction extends NodejsFunction {
  /** Absolute path of the handler module this function is built from. */
  readonly entryPath: string;
  /** True when bundling is skipped for this stack and the handler does not exist yet (unit tests). */
  readonly placeholderCode: boolean;

  constructor(scope: Construct, id: string, props: TajoFunctionProps) {
    const entry = path.resolve(PROJECT_ROOT, props.spec.entry);
    // With `aws:cdk:bundling-stacks` = [] NodejsFunction skips esbuild, but it still insists that the entry
    // file exists. Handlers are written in parallel with the stack, so unit tests use inline placeholder
    // code when (and only when) bundling is skipped AND the handler is missing. `cdk synth` always bundles.
    const placeholder = !Stack.of(scope).bundlingRequired && !fs.existsSync(entry);
    super(scope, id, {
      functionName: props.functionName,
      description: props.spec.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.spec.memoryMb,
      timeout: Duration.seconds(props.spec.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      role: new iam.Role(scope, `${id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${props.functionName}`,
      }),
      logGroup: new logs.LogGroup(scope, `${id}LogGroup`, {
        logGroupName: `/aws/lambda/${props.functionName}`,
        retention: props.logRetention,
        encryptionKey: props.key,
        removalPolicy: props.removalPolicy,
      }),
      // The catalogue's definitions (data files, listed at runtime) ship beside the bundle.
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        TAJO_CATALOGUE_DIR: `/var/task/${CATALOGUE_IN_BUNDLE}`,
        ...props.environment,
      },
      ...(placeholder
        ? {
            code: Code.fromInline(
              `exports.handler = async () => { throw new Error('placeholder: ${props.spec.entry} was not built'); };`,
            ),
            handler: 'index.handler',
          }
        : {
            entry,
            handler: 'handler',
            projectRoot: PROJECT_ROOT,
            depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
            bundling: {
              minify: true,
              sourceMap: true,
              sourcesContent: false,
              target: 'node24',
              format: OutputFormat.CJS,
              mainFields: ['module', 'main'],
              // Externals stay at the NodejsFunction default for an explicit Node >= 18 runtime:
              // `--external:@aws-sdk/*` (the SDK v3 in the Lambda runtime); everything else is bundled.
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                // The catalogue is a folder of definition files the registry lists at runtime (adding one
                // is adding a file): copied next to index.js, where TAJO_CATALOGUE_DIR points.
                afterBundling: (inputDir: string, outputDir: string) => [
                  `cp -r "${path.posix.join(inputDir, CATALOGUE_SOURCE)}" "${path.posix.join(outputDir, CATALOGUE_IN_BUNDLE)}"`,
                ],
              },
            },
          }),
    });
    this.entryPath = entry;
    this.placeholderCode = placeholder;

    const role = this.role as iam.Role;
    // Logs: CreateLogStream/PutLogEvents on this function's own log group only.
    this.logGroup.grantWrite(role);

    acknowledge(
      role,
      nagResource(this, '*'),
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
        'permissions, so CDK grants them on "*". No other statement of this role uses Resource "*".',
    );
  }
}
