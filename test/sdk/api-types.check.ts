/**
 * Type-level test, checked by the project's tsc (`npm run typecheck`), not run by Jest: every
 * method of the client takes and returns the types generated from the API's schemas
 * (sdk/src/api-types.gen.ts, by `npm run openapi`). A method typed by hand, or a schema changed
 * without the SDK following, fails the type-check here.
 */

import type { TajoClient } from '../../sdk/src';
import type { Operations } from '../../sdk/src/api-types.gen';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Body<K extends keyof Operations> = Operations[K]['body'];
type Answer<K extends keyof Operations, S extends keyof Operations[K]['answers']> = Operations[K]['answers'][S];
type Out<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type C = TajoClient['connectors'];
type E = TajoClient['events'];

export type Checks = [
  Expect<Equal<Parameters<C['connect']>[1], Body<'connectConnector'>>>,
  Expect<Equal<Out<C['connect']>, Answer<'connectConnector', 200>>>,
  Expect<Equal<NonNullable<Parameters<C['sync']>[1]>, Body<'syncConnector'>>>,
  Expect<Equal<Omit<Out<C['sync']>, 'wait'>, Answer<'syncConnector', 202>>>,
  Expect<Equal<Out<Out<C['sync']>['wait']>, Answer<'getRun', 200>>>,
  Expect<Equal<Out<C['run']>, Answer<'getRun', 200>>>,
  Expect<Equal<Out<C['wait']>, Answer<'getRun', 200>>>,
  Expect<Equal<Awaited<ReturnType<(name: string) => ReturnType<C['status']>>>, Answer<'connectorStatus', 200>>>,
  Expect<Equal<Out<C['test']>, Answer<'testConnector', 200>>>,
  Expect<Equal<NonNullable<Parameters<C['test']>[1]>, Body<'testConnector'>>>,
  Expect<Equal<Out<C['disconnect']>, Answer<'disconnectConnector', 200>>>,
  Expect<Equal<Out<C['list']>, Answer<'listConnections', 200>>>,
  Expect<Equal<Parameters<C['query']>[1], Body<'queryNotion'>>>,
  Expect<Equal<Out<C['query']>, Answer<'queryNotion', 200>>>,
  Expect<Equal<Parameters<C['create']>[1], Body<'createNotionPage'>>>,
  Expect<Equal<Out<C['create']>, Answer<'createNotionPage', 201>>>,
  Expect<Equal<Parameters<TajoClient['slack']['notify']>[0], Body<'notifySlack'>>>,
  Expect<Equal<Out<TajoClient['slack']['notify']>, Answer<'notifySlack', 202>>>,
  Expect<Equal<Parameters<E['subscribe']>[0], Body<'createEventEndpoint'>>>,
  Expect<Equal<Out<E['subscribe']>, Answer<'createEventEndpoint', 201>>>,
  Expect<Equal<Out<E['list']>, Answer<'listEventEndpoints', 200>['endpoints']>>,
  Expect<Equal<Out<E['unsubscribe']>, Answer<'deleteEventEndpoint', 200>>>,
  Expect<Equal<Out<TajoClient['brevo']['connect']>, Answer<'connectBrevo', 200>>>,
];

// status('notion') is Notion's answer: the docs' fields are there, typed, without a cast.
export async function notionStatusFields(tajo: TajoClient): Promise<[boolean, string | null, number, number, number]> {
  const s = await tajo.connectors.status('notion');
  return [s.connected, s.lastSync, s.databasesSynced, s.pagesTracked, s.usersCount];
}
