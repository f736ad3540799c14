/**
 * The placeholder syntax every template of the product uses (Slack notifications, Brevo → Notion
 * rules): `{{ contact.FIRSTNAME }}`, a dotted path between double braces.
 */
export const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
export const PATH_SYNTAX = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
