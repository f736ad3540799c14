/**
 * CDK app entry (cdk.json: `npx tsx infra/bin/app.ts`). One env-agnostic stack per stage:
 *   npx cdk synth                  -> stack tajo-dev
 *   npx cdk synth -c stage=prod    -> stack tajo-prod
 * cdk-nag AwsSolutions runs as a validation plugin: synth fails on any unacknowledged finding.
 */
import { createTajoApp } from '../stack';

createTajoApp();
