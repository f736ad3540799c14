/**
 * A contact's first and last name from one display name (Slack's real_name, a Notion person's
 * name): "Ada King Lovelace" → first "Ada King", last "Lovelace"; one word → first name only.
 */
export function splitRealName(realName: string | null | undefined): { first?: string; last?: string } {
  const tokens = (realName ?? '').trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return {};
  if (tokens.length === 1) return { first: tokens[0] };
  return { first: tokens.slice(0, -1).join(' '), last: tokens[tokens.length - 1] };
}
