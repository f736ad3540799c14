/** Slack simulator: auth.test and team.info. */

import { type Ctx, SlackGateway } from '../gateway';

export abstract class TeamMethods extends SlackGateway {
  // ===========================================================================================
  // auth / team

  protected authTest({ ws, token }: Ctx) {
    const install = this.tokenInstalls.get(token);
    return {
      url: ws.url,
      team: ws.teamName,
      user: ws.botName,
      team_id: ws.teamId,
      user_id: ws.botUserId,
      bot_id: ws.botId,
      ...(ws.enterpriseId ? { enterprise_id: ws.enterpriseId } : {}),
      is_enterprise_install: install?.isEnterpriseInstall ?? false,
      ...(install?.expiresAt !== undefined
        ? { expires_in: Math.max(0, Math.floor((install.expiresAt - this.clock.now()) / 1000)) }
        : {}),
    };
  }

  protected teamInfo({ ws }: Ctx) {
    return {
      team: {
        id: ws.teamId,
        name: ws.teamName,
        url: ws.url,
        domain: ws.domain,
        email_domain: '',
        icon: { image_default: true, image_34: '', image_44: '', image_68: '', image_88: '', image_102: '' },
        avatar_base_url: 'https://ca.slack-edge.example/',
        is_verified: false,
      },
    };
  }
}
