/**
 * The HTTP API (payload format 2.0): one route per topology route, one Lambda integration per function
 * (shared by that function's routes), a `$default` stage with default throttling and JSON access logs
 * in a CMK-encrypted log group. There is no API Gateway authorizer: each route authenticates in its
 * handler (see `AUTH_REASONS`), and the cdk-nag acknowledgements on each route say how.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName, RouteSpec } from '../../shared/app/topology';
import { acknowledge } from '../nag';

/** Why a route without an API Gateway authorizer is acceptable, per kind of route authentication. */
export const AUTH_REASONS: Record<RouteSpec['auth'], string> = {
  slackSignature:
    'Slack signs its requests and cannot call an API Gateway authorizer; the handler verifies X-Slack-Signature ' +
    "(HMAC-SHA256 of the raw body with the tenant's signing secret, constant-time, ±5 minutes) before anything " +
    'else, and the tenant comes from the path.',
  slackAppSignature:
    'Slack signs its requests and cannot call an API Gateway authorizer; the handler verifies X-Slack-Signature ' +
    "with the deployment's distributed app signing secret (raw body, constant-time, ±5 minutes) before anything " +
    "else, then finds the tenant from the signed payload's team id (set when the team installed the app).",
  brevoWebhookToken:
    'Brevo webhooks are unsigned and cannot use an API Gateway authorizer; the handler requires the ' +
    "tenant's webhook bearer token (stored as a sha256 hash, compared in constant time) for the tenant " +
    'named in the path, and only queues the events it carries.',
  notionSignature:
    'Notion signs its webhook events and cannot call an API Gateway authorizer; the handler verifies ' +
    'X-Notion-Signature (HMAC-SHA256 of the raw body keyed by the verification token of the tenant in the path, ' +
    'constant-time) before queueing anything. The only unsigned request accepted is the one-time verification ' +
    'handshake, which stores the token as pending (never trusted until an event signed with it arrives) and ' +
    'triggers no work.',
  definitionSignature:
    'Platforms (Shopify, Stripe, a definition-backed connector) sign their webhook deliveries and cannot call an ' +
    "API Gateway authorizer; the handler verifies the signature the connection's definition declares (HMAC of the " +
    "raw body, or of {timestamp}.{body} within a tolerance, with the connection's signing secret, constant-time) " +
    'for the tenant and connector named in the path before queueing anything; a definition without a signature ' +
    'scheme has every delivery refused.',
  oauthState:
    "An OAuth provider's redirect of the admin's browser (Notion, Slack) cannot carry an authorizer's " +
    'credentials; the handler requires the state it issued to an API-key-authenticated tenant admin: stored ' +
    'only as a sha256 hash, bound to that tenant, single-use (one conditional write) and expiring after 10 ' +
    'minutes, checked before the code is exchanged; anything else gets a 400 page and no work.',
  none:
    'Public by design: unauthenticated liveness/version probe. The handler returns no tenant data and ' +
    'triggers no work, so an authorizer would protect nothing.',
  tenantApiKey:
    'Authenticated in the Lambda handler, not by API Gateway: the handler requires the tenant API key, ' +
    'compares its hash in constant time with the one stored for the {tenantId} of the path, and rejects the ' +
    'request (401/403) before any work; the tenant comes from the path and the key, never from the body. ' +
    'Per-tenant API keys are not Cognito identities, so neither an IAM nor a Cognito authorizer applies.',
};

export interface TajoHttpApiProps {
  apiName: string;
  routes: RouteSpec[];
  functions: Record<FunctionName, lambda.IFunction>;
  accessLogGroupName: string;
  key: kms.IKey;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  throttle: apigw.ThrottleSettings;
}

export class TajoHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly routes: apigw.HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: TajoHttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'Tajo connectors: management API and webhooks',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: props.accessLogGroupName,
      retention: props.logRetention,
      encryptionKey: props.key,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // No headers and no bodies: they carry API keys, signatures and tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}Integration`, props.functions[route.function], {
          payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
          // One invoke permission per function for this API instead of one per route: a function serving
          // many routes (webhooks, OAuth, management) would otherwise grow its resource policy towards
          // Lambda's 20 KB limit. API Gateway still only invokes it through the routes declared here.
          scopePermissionToRoute: false,
        });
        integrations.set(route.function, integration);
      }
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
      });
      this.routes.push(created);
      // (AwsSolutions-COG4 checks REST API methods only; it does not fire on HTTP API routes.)
      acknowledge(
        created,
        'AwsSolutions-APIG4',
        `${route.method} ${route.path} (${route.description}): ${AUTH_REASONS[route.auth]}`,
      );
    }
  }

  /** The invoke URL of the `$default` stage (ends with `/`). */
  get url(): string {
    return this.stage.url;
  }
}
