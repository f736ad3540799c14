export type { OperationId, Operations } from './api-types.gen';
export { TajoClient, type TajoClientOptions } from './client';
export type { SyncRun, WaitOptions } from './connectors';
export {
  TajoAuthError,
  TajoConnectionError,
  TajoError,
  type TajoIssue,
  TajoRateLimitError,
  TajoSignatureError,
} from './errors';
export type { EventHandler, Listener, ListenOptions, TajoEvent } from './events';
export type { FetchLike } from './http';
export type { DeliveryAnswer, LambdaHttpEvent, LambdaHttpResult } from './receiver';
export { signatureHeader } from './signature';
export type * from './types';
