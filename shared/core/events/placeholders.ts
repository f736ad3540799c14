/**
 * `{{path}}` placeholders over an event's fields (`{{contact.email}}`, `{{order.total}}`): the syntax
 * Slack notification templates and Brevo → Notion rule values share.
 */
export const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
export const PATH_SYNTAX = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
