/** Notion's error answers in words a person can act on. */
import { ProviderError } from '../../../core/errors';

export function explainNotionError(status: number, code: string, rawMessage: string, what: string): ProviderError {
  // Notion's validation messages span lines ("Fix one:" then one alternative a line): one line here.
  const message = rawMessage.replace(/\s*\n\s*/g, ' ').trim();
  let reason: string;
  switch (code) {
    case 'unauthorized':
      reason = 'Notion rejected the token (401 unauthorized): check connectors.notion.token';
      break;
    case 'restricted_resource':
      reason = `Notion refused access to ${what} (403 restricted_resource): give the integration the missing capability (e.g. read content, user information) in its settings`;
      break;
    case 'object_not_found':
      reason = `Notion cannot find ${what} (404): share it with the integration (open it in Notion → ••• → Connections → add the integration), or check the id`;
      break;
    case 'validation_error':
      reason = `Notion refused the request for ${what} (400 validation_error): ${message}`;
      break;
    default:
      reason = `Notion error on ${what} (${status} ${code}): ${message}`;
  }
  return new ProviderError('notion', status, code, reason);
}
