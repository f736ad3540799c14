/** Notion simulator: GET /v1/users and /v1/users/:id (user information capability). */

import { type Ctx, NotionGateway } from '../gateway';
import type { Capabilities } from '../types';
import { NotionApiError } from '../util';

export abstract class UsersEndpoints extends NotionGateway {
  // ===========================================================================================
  // Users

  /** The user information capability; `none` refuses the users endpoints (notion.md §7). */
  protected requireUserInformation(caps: Capabilities): void {
    if (caps.userInformation !== 'none') return;
    throw new NotionApiError(
      403,
      'restricted_resource',
      'Insufficient permissions for this endpoint: the integration does not have the user information capability.',
    );
  }

  protected listUsers({ req, caps }: Ctx) {
    this.requireUserInformation(caps);
    // Guests are not listed (they can still be retrieved by id).
    const all = [...this.store.users.values()].filter((u) => !u.guest);
    const { slice, next } = this.offsetPage(req, all, 'users', { users: true });
    return {
      object: 'list',
      results: slice.map((u) => this.store.renderUser(u.id)),
      next_cursor: next,
      has_more: next !== null,
      type: 'user',
      user: {},
    };
  }

  protected getUser({ req, caps }: Ctx) {
    this.requireUserInformation(caps);
    const id = this.pathId(req, 'user_id');
    if (!this.store.users.has(id)) {
      throw new NotionApiError(404, 'object_not_found', `Could not find user with ID: ${id}.`);
    }
    return this.store.renderUser(id);
  }
}
