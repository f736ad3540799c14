/**
 * A person's IANA time zone as a hint of their phone's country calling code, for phone numbers
 * written without one (Slack members carry `tz`). Only zones that belong to one country (or to
 * one calling code, like the North American zones sharing +1) are listed: a zone this table does
 * not know suggests nothing, and the number is then left out with a field error rather than
 * guessed. Zones linked to another in the tz database keep their own entry (Slack reports the
 * name the person picked).
 */

const ZONES: Record<string, string> = {
  // North American Numbering Plan (+1)
  'America/New_York': '1',
  'America/Detroit': '1',
  'America/Chicago': '1',
  'America/Denver': '1',
  'America/Phoenix': '1',
  'America/Los_Angeles': '1',
  'America/Anchorage': '1',
  'America/Boise': '1',
  'America/Indiana/Indianapolis': '1',
  'America/Kentucky/Louisville': '1',
  'America/Toronto': '1',
  'America/Montreal': '1',
  'America/Vancouver': '1',
  'America/Edmonton': '1',
  'America/Winnipeg': '1',
  'America/Regina': '1',
  'America/Halifax': '1',
  'America/St_Johns': '1',
  'America/Puerto_Rico': '1',
  'Pacific/Honolulu': '1',
  'US/Eastern': '1',
  'US/Central': '1',
  'US/Mountain': '1',
  'US/Pacific': '1',
  // Latin America
  'America/Mexico_City': '52',
  'America/Sao_Paulo': '55',
  'America/Argentina/Buenos_Aires': '54',
  'America/Buenos_Aires': '54',
  'America/Bogota': '57',
  'America/Santiago': '56',
  'America/Lima': '51',
  // Europe
  'Europe/London': '44',
  'Europe/Dublin': '353',
  'Europe/Paris': '33',
  'Europe/Berlin': '49',
  'Europe/Madrid': '34',
  'Europe/Rome': '39',
  'Europe/Amsterdam': '31',
  'Europe/Brussels': '32',
  'Europe/Luxembourg': '352',
  'Europe/Zurich': '41',
  'Europe/Vienna': '43',
  'Europe/Lisbon': '351',
  'Europe/Copenhagen': '45',
  'Europe/Stockholm': '46',
  'Europe/Oslo': '47',
  'Europe/Helsinki': '358',
  'Europe/Warsaw': '48',
  'Europe/Prague': '420',
  'Europe/Budapest': '36',
  'Europe/Bucharest': '40',
  'Europe/Athens': '30',
  'Europe/Istanbul': '90',
  'Europe/Kiev': '380',
  'Europe/Kyiv': '380',
  // Africa, Middle East
  'Africa/Casablanca': '212',
  'Africa/Lagos': '234',
  'Africa/Cairo': '20',
  'Africa/Nairobi': '254',
  'Africa/Johannesburg': '27',
  'Asia/Dubai': '971',
  'Asia/Jerusalem': '972',
  'Asia/Tel_Aviv': '972',
  'Asia/Riyadh': '966',
  // Asia, Oceania
  'Asia/Kolkata': '91',
  'Asia/Calcutta': '91',
  'Asia/Karachi': '92',
  'Asia/Singapore': '65',
  'Asia/Hong_Kong': '852',
  'Asia/Shanghai': '86',
  'Asia/Taipei': '886',
  'Asia/Tokyo': '81',
  'Asia/Seoul': '82',
  'Asia/Manila': '63',
  'Asia/Jakarta': '62',
  'Asia/Ho_Chi_Minh': '84',
  'Australia/Sydney': '61',
  'Australia/Melbourne': '61',
  'Australia/Brisbane': '61',
  'Australia/Adelaide': '61',
  'Australia/Perth': '61',
  'Pacific/Auckland': '64',
};

/** The calling code (digits) a time zone suggests, or undefined when the zone is not one country's. */
export function callingCodeForTimeZone(tz: string | null | undefined): string | undefined {
  if (typeof tz !== 'string') return undefined;
  return Object.hasOwn(ZONES, tz.trim()) ? ZONES[tz.trim()] : undefined;
}
