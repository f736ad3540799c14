/** Slack simulator: users.list (fields of deactivated users, paging), users.info, users.lookupByEmail. */

import type { Ctx } from '../gateway';
import { bool, paginate, SlackApiError, str } from '../util';
import { MAX_LIMIT } from '../workspaces';
import { ChatMethods } from './chat';

const UNPAGINATED_USERS_MAX = 1000;

export abstract class UsersMethods extends ChatMethods {
  // ===========================================================================================
  // users.*

  protected usersList({ ws, args }: Ctx) {
    const users = [...ws.users.values()];
    const limit = this.limit(args);
    if ((limit === undefined || limit === 0) && users.length > UNPAGINATED_USERS_MAX) {
      throw new SlackApiError('limit_required');
    }
    const { page, nextCursor } = paginate(users, (u) => u.id, 'user', str(args, 'cursor'), limit, 0, MAX_LIMIT);
    const opts = {
      email: ws.scopes.has('users:read.email'),
      locale: bool(args, 'include_locale') ?? false,
      atMs: this.clock.now(),
    };
    return {
      members: page.map((u) => ws.renderUser(u, opts)),
      cache_ts: this.nowSeconds(),
      response_metadata: { next_cursor: nextCursor },
    };
  }

  protected usersInfo({ ws, args }: Ctx) {
    const id = str(args, 'user');
    const user = id ? ws.users.get(id) : undefined;
    if (!user) throw new SlackApiError('user_not_found');
    return {
      user: ws.renderUser(user, {
        email: ws.scopes.has('users:read.email'),
        locale: bool(args, 'include_locale') ?? false,
        atMs: this.clock.now(),
      }),
    };
  }

  protected lookupByEmail({ ws, args }: Ctx) {
    const email = str(args, 'email')?.toLowerCase();
    if (!email) throw new SlackApiError('invalid_arguments', { argument: 'email' });
    const user = [...ws.users.values()].find((u) => u.email?.toLowerCase() === email);
    if (!user) throw new SlackApiError('users_not_found');
    return { user: ws.renderUser(user, { email: true, atMs: this.clock.now() }) };
  }
}
