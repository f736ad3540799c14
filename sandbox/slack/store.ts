/** Per-workspace data of the Slack simulator and the API renderings of users and channels. */
import { createHash } from 'node:crypto';
import type {
  ChannelInput,
  ChannelRec,
  SimEphemeral,
  SimMessage,
  SimScheduled,
  SimView,
  UserInput,
  UserRec,
  WorkspaceInput,
} from './types';
import { type IdSource, slug } from './util';

export const SLACKBOT_ID = 'USLACKBOT';
const DEFAULT_TZ = 'America/Los_Angeles';

export class Workspace {
  readonly teamId: string;
  readonly teamName: string;
  readonly domain: string;
  readonly botToken: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly botName: string;
  readonly appId: string;
  readonly scopes: Set<string>;
  readonly newNonMarketplaceApp: boolean;
  readonly enterpriseId: string | undefined;
  readonly enterpriseName: string | undefined;
  readonly channels = new Map<string, ChannelRec>();
  readonly users = new Map<string, UserRec>();
  readonly messages = new Map<string, SimMessage[]>();
  readonly scheduled = new Map<string, SimScheduled[]>();
  readonly ephemerals: SimEphemeral[] = [];
  readonly views: SimView[] = [];
  revoked = false;

  constructor(
    input: WorkspaceInput,
    private readonly ids: IdSource,
    private readonly nowSeconds: () => number,
  ) {
    this.teamId = input.teamId;
    this.teamName = input.teamName;
    this.domain = input.domain ?? slug(input.teamName);
    this.botToken = input.botToken;
    this.botUserId = input.botUserId;
    this.botId = input.botId;
    this.botName = input.botName ?? 'tajo';
    this.appId = input.appId ?? 'A0SANDBOX';
    this.scopes = new Set(input.scopes);
    this.newNonMarketplaceApp = input.newNonMarketplaceApp ?? false;
    this.enterpriseId = input.enterpriseId;
    this.enterpriseName = input.enterpriseName;
    this.addUser({ id: SLACKBOT_ID, name: 'slackbot', realName: 'Slackbot' });
    const bot = this.addUser({ id: this.botUserId, name: this.botName, realName: this.botName, isBot: true });
    bot.botId = this.botId;
    bot.appId = this.appId;
    bot.isAppUser = false;
  }

  get url(): string {
    return `https://${this.domain}.slack.com/`;
  }

  addChannel(input: ChannelInput): ChannelRec {
    const id = input.id ?? this.ids.next('C');
    if (this.channels.has(id)) throw new Error(`SlackSimulator: channel ${id} already exists in ${this.teamId}`);
    const name = input.name.replace(/^#/, '');
    for (const c of this.channels.values()) {
      if (c.name === name) throw new Error(`SlackSimulator: channel name #${name} already used in ${this.teamId}`);
    }
    const now = this.nowSeconds();
    const rec: ChannelRec = {
      id,
      teamId: this.teamId,
      name,
      isPrivate: input.isPrivate ?? false,
      isMember: input.isMember ?? true,
      isArchived: input.isArchived ?? false,
      topic: input.topic ?? '',
      purpose: input.purpose ?? '',
      numMembers: input.numMembers ?? 1,
      created: now,
      updated: now * 1000,
    };
    this.channels.set(id, rec);
    this.messages.set(id, []);
    this.scheduled.set(id, []);
    return rec;
  }

  addUser(input: Omit<UserInput, 'teamId'>): UserRec {
    const id = input.id ?? this.ids.next('U');
    if (this.users.has(id)) throw new Error(`SlackSimulator: user ${id} already exists in ${this.teamId}`);
    const rec: UserRec = {
      id,
      teamId: this.teamId,
      name: input.name,
      realName: input.realName ?? input.name,
      displayName: input.displayName ?? '',
      email: input.email,
      phone: input.phone ?? '',
      title: input.title ?? '',
      tz: input.tz ?? DEFAULT_TZ,
      isAdmin: input.isAdmin ?? false,
      isOwner: input.isOwner ?? false,
      isPrimaryOwner: false,
      isBot: input.isBot ?? false,
      isAppUser: false,
      deleted: input.deleted ?? false,
      isRestricted: (input.isRestricted ?? false) || (input.isUltraRestricted ?? false),
      isUltraRestricted: input.isUltraRestricted ?? false,
      statusText: input.statusText ?? '',
      statusEmoji: input.statusEmoji ?? '',
      updated: this.nowSeconds(),
    };
    if (rec.isBot && id !== this.botUserId) rec.botId = `B${id.slice(1)}`;
    this.users.set(id, rec);
    return rec;
  }

  /** Resolve a `channel` argument: an id, `#name` or a bare name. */
  findChannel(ref: string): ChannelRec | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    for (const c of this.channels.values()) if (c.name === name) return c;
    return undefined;
  }

  /** What the bot can see: public channels and the private ones it is a member of. */
  visible(c: ChannelRec): boolean {
    return !c.isPrivate || c.isMember;
  }

  renderChannel(c: ChannelRec): Record<string, unknown> {
    return {
      id: c.id,
      name: c.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: c.isPrivate,
      created: c.created,
      is_archived: c.isArchived,
      is_general: false,
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_org_shared: false,
      is_ext_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.teamId,
      updated: c.updated,
      parent_conversation: null,
      creator: SLACKBOT_ID,
      is_member: c.isMember,
      topic: { value: c.topic, creator: '', last_set: 0 },
      purpose: { value: c.purpose, creator: '', last_set: 0 },
      previous_names: [],
      num_members: c.numMembers,
    };
  }

  /** A user as users.list / users.info return it; `profile.email` only with users:read.email. */
  renderUser(u: UserRec, opts: { email: boolean; locale?: boolean; atMs: number }): Record<string, unknown> {
    const [first = '', ...rest] = u.realName.split(/\s+/);
    const hash = createHash('md5').update(u.id).digest('hex').slice(0, 12);
    const profile: Record<string, unknown> = { avatar_hash: hash };
    // Slack's user type: profile fields other than image_* "may not be present at all, may be null
    // or may contain the empty string" (slack.md §9). An unset field takes one of the three forms,
    // picked by the user id, so every form reaches the readers of users.list and users.info.
    const unset = ['absent', 'null', 'empty'][Number.parseInt(hash.slice(0, 2), 16) % 3];
    const optional = (key: string, value: string) => {
      if (value !== '') profile[key] = value;
      else if (unset === 'null') profile[key] = null;
      else if (unset === 'empty') profile[key] = '';
    };
    optional('title', u.title);
    optional('phone', u.phone);
    optional('skype', '');
    optional('real_name', u.realName);
    optional('real_name_normalized', u.realName);
    optional('display_name', u.displayName);
    optional('display_name_normalized', u.displayName);
    profile.fields = null;
    optional('status_text', u.statusText);
    optional('status_emoji', u.statusEmoji);
    profile.status_emoji_display_info = [];
    profile.status_expiration = 0;
    optional('first_name', first);
    optional('last_name', rest.join(' '));
    profile.team = this.teamId;
    for (const size of [24, 32, 48, 72, 192, 512]) {
      profile[`image_${size}`] = `https://avatars.slack-edge.example/${hash}_${size}.png`;
    }
    if (opts.email && u.email !== undefined && !u.isBot) profile.email = u.email;
    if (u.botId) {
      profile.bot_id = u.botId;
      profile.api_app_id = u.appId ?? '';
      profile.always_active = true;
    }
    const out: Record<string, unknown> = {
      id: u.id,
      team_id: this.teamId,
      name: u.name,
      deleted: u.deleted,
      color: '9f69e7',
    };
    // Deactivated accounts come back without the top-level name, tz and role fields.
    if (!u.deleted) {
      const zone = tzInfo(u.tz, opts.atMs);
      Object.assign(out, {
        real_name: u.realName,
        tz: u.tz,
        tz_label: zone.label,
        tz_offset: zone.offset,
      });
    }
    out.profile = profile;
    if (!u.deleted) {
      Object.assign(out, {
        is_admin: u.isAdmin,
        is_owner: u.isOwner,
        is_primary_owner: u.isPrimaryOwner,
        is_restricted: u.isRestricted,
        is_ultra_restricted: u.isUltraRestricted,
      });
    }
    Object.assign(out, {
      is_bot: u.isBot,
      is_app_user: u.isAppUser,
      updated: u.updated,
      is_email_confirmed: u.email !== undefined,
      who_can_share_contact_card: 'EVERYONE',
    });
    if (opts.locale) out.locale = 'en-US';
    return out;
  }
}

function tzInfo(tz: string, atMs: number): { label: string; offset: number } {
  try {
    const at = new Date(atMs);
    const label =
      new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' })
        .formatToParts(at)
        .find((p) => p.type === 'timeZoneName')?.value ?? tz;
    const off =
      new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
        .formatToParts(at)
        .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(off);
    const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
    return { label, offset };
  } catch {
    return { label: tz, offset: 0 };
  }
}
