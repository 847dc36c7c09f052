/**
 * The built-in PII and secret detectors, shared by the SDK (masking before spans leave the app)
 * and the LLMTrace server (masking per account before anything is written; issue 13). Each finds
 * the spans of text to replace in one string; `createMasker` (./masker) applies the chosen ones in
 * a fixed order and counts what each replaced. What was matched is never kept anywhere.
 *
 * Libraries do the judging where a good one exists: phone numbers are found by libphonenumber-js
 * (Google's metadata, "max" set, so a number must be valid for its country), card numbers and
 * IBANs are confirmed by validator (issuer prefixes + Luhn; country format + mod-97), IP addresses
 * by validator's isIP. The candidate patterns around them, emails and the secret shapes are written
 * here. Every hand-written pattern starts with a look-behind that refuses to start inside a run of
 * the characters it consumes, so a long run is scanned once, not once per position (no quadratic
 * or worse behaviour on megabyte-long strings).
 *
 * A replacement (`[EMAIL]`, `[PHONE]`, `[CARD]`, `[IBAN]`, `[IP]`, `[SECRET]`) is found by no
 * detector, so text masked once (by the SDK) is left alone and not counted again (by the server).
 */
import { findPhoneNumbersInText } from 'libphonenumber-js/max';
// validator has no `exports` map, so Node's ESM loader (the SDK's ESM build) needs the `.js`.
import isCreditCard from 'validator/lib/isCreditCard.js';
import isIBAN from 'validator/lib/isIBAN.js';
import isIP from 'validator/lib/isIP.js';

export const DETECTORS = ['email', 'phone', 'card', 'iban', 'ip', 'secret'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** What each built-in detector writes in place of what it found. */
export const REPLACEMENTS: Readonly<Record<DetectorName, string>> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  card: '[CARD]',
  iban: '[IBAN]',
  ip: '[IP]',
  secret: '[SECRET]',
};

/** A half-open range [start, end) of a string, in UTF-16 code units. */
export type Range = readonly [number, number];

interface Detector {
  /** A cheap test that must be true for the detector to find anything (skips most strings). */
  mayMatch(text: string): boolean;
  find(text: string): Range[];
}

function rangesOf(pattern: RegExp, text: string, accept: (match: RegExpExecArray) => Range | null = (m) => [m.index, m.index + m[0].length]): Range[] {
  const ranges: Range[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    const range = accept(match);
    if (range) ranges.push(range);
  }
  return ranges;
}

// ── email ───────────────────────────────────────────────────────────────────────────────────────
// local@domain.tld: the local part of the usual unquoted form, labels of letters, digits and
// hyphens, and a top-level domain of two letters or more. Quoted local parts and IP-literal domains
// (both legal, both rare) are not found.
const EMAIL = /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63}(?![A-Za-z0-9-])/g;

const email: Detector = {
  mayMatch: (text) => text.includes('@'),
  find: (text) =>
    rangesOf(EMAIL, text, (m) => {
      // "a..b@x.com" or ".a@x.com" are not addresses; a trailing dot of a sentence is not part of one.
      const local = m[0].slice(0, m[0].indexOf('@'));
      if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
      return [m.index, m.index + m[0].length];
    }),
};

// ── phone ───────────────────────────────────────────────────────────────────────────────────────
// International format only (a leading +): a national number ("020 7946 0958") cannot be told from
// other digits without knowing the country, and would hit order ids and amounts.
// libphonenumber-js is handed only short candidates (a plus sign, then 6 to 27 digits and
// separators), never the whole text: over a long text full of plus signs it is slower than linear.
const PHONE_CANDIDATE = /(?<![\w+＋])[+＋][ \t]?\(?\d[\d \t().\/-]{4,25}\d/g;

const phone: Detector = {
  mayMatch: (text) => text.includes('+') || text.includes('＋'),
  find: (text) => {
    const ranges: Range[] = [];
    PHONE_CANDIDATE.lastIndex = 0;
    for (let m = PHONE_CANDIDATE.exec(text); m; m = PHONE_CANDIDATE.exec(text)) {
      for (const found of findPhoneNumbersInText(m[0])) ranges.push([m.index + found.startsAt, m.index + found.endsAt]);
    }
    return ranges;
  },
};

// ── payment card ────────────────────────────────────────────────────────────────────────────────
// 13 to 19 digits, optionally grouped by single spaces or hyphens; confirmed by validator's
// isCreditCard: a known issuer's prefix and length, and the Luhn check digit. An order id or a
// phone number of the same length fails one or the other (a random number passes Luhn 1 time in 10
// and a known prefix far less often).
const CARD = /(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)/g;

function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  // Grouped numbers are grouped as cards are ("4111 1111 1111 1111", "3782 822463 10005"): groups of
  // 3 to 6 digits, the last one possibly shorter; "4 1 1 1 …" or "41 11 11 …" is a list of numbers.
  const groups = candidate.split(/[ -]/);
  if (groups.length > 1 && groups.some((g, i) => g.length > 6 || (g.length < 3 && i < groups.length - 1))) return false;
  return isCreditCard(digits);
}

const card: Detector = {
  mayMatch: (text) => /\d{4}/.test(text) || /\d[ -]\d/.test(text),
  find: (text) => rangesOf(CARD, text, (m) => (isCardNumber(m[0]) ? [m.index, m.index + m[0].length] : null)),
};

// ── IBAN ────────────────────────────────────────────────────────────────────────────────────────
// Country code, check digits, then 11 to 30 letters or digits, in groups of 4 separated by single
// spaces or not at all; confirmed by validator's isIBAN (the country's length and format, and the
// mod-97 check). A candidate that runs into the following word is tried shorter, group by group.
const IBAN = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])/g;

function ibanEnd(candidate: string): number | null {
  const valid = (text: string) => isIBAN(text.replace(/ /g, '').toUpperCase());
  if (valid(candidate)) return candidate.length;
  // Ran into the next word ("DE89 3704 0044 0532 0130 00 for rent"): try it shorter, space by space.
  for (let at = candidate.lastIndexOf(' '); at > 0; at = candidate.lastIndexOf(' ', at - 1)) {
    if (valid(candidate.slice(0, at))) return at;
  }
  return null;
}

const iban: Detector = {
  mayMatch: (text) => /[A-Za-z]{2}\d{2}/.test(text),
  find: (text) =>
    rangesOf(IBAN, text, (m) => {
      const end = ibanEnd(m[0]);
      return end === null ? null : [m.index, m.index + end];
    }),
};

// ── IP addresses ────────────────────────────────────────────────────────────────────────────────
// A dotted quad that stands alone: one glued to a letter, digit or dot ("v1.2.3.4", "1.2.3.4.5",
// "build-10.0.0.1x") is taken for a version or an identifier and left alone; a standalone quad in a
// sentence ("version 1.2.3.4") cannot be told from an address and is masked. Each octet 0–255.
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
// IPv6: hex groups and colons with at least two colons, confirmed by validator; a candidate with
// no digit at all ("dead::beef", "Foo::Bar") is taken for code, not an address. An IPv4 tail
// ("::ffff:192.0.2.1") and a zone ("fe80::1%eth0") are part of the address.
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%[\w.-]+)?(?![\w:])/g;

const ip: Detector = {
  mayMatch: (text) => text.includes('.') || text.includes(':'),
  find: (text) => [
    ...rangesOf(IPV4, text, (m) => (isIP(m[0], 4) ? [m.index, m.index + m[0].length] : null)),
    ...rangesOf(IPV6, text, (m) => {
      const address = m[0].split('%')[0]!;
      if (!/\d/.test(address) || address.replace(/[^:]/g, '').length < 2) return null;
      return isIP(address, 6) ? [m.index, m.index + m[0].length] : null;
    }),
  ],
};

// ── secrets ─────────────────────────────────────────────────────────────────────────────────────
// Shapes of credentials that leak into prompts and logs. Each names the provider's documented
// prefix, so plain words and ids are not hit.
const SECRET_PATTERNS: readonly RegExp[] = [
  // Anthropic: sk-ant-api03-…, sk-ant-admin01-… (before OpenAI's, which would also match).
  /(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,}/g,
  // OpenAI: sk-…, sk-proj-…, sk-svcacct-…, sk-admin-… (legacy keys are sk- and 48 characters).
  /(?<![\w-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g,
  // AWS access key ids (AKIA long-term, ASIA temporary, and the other documented prefixes).
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  // AWS secret access keys, only where labelled as such (40 base64 characters alone are too common);
  // the label stays. (A group, not a look-behind: a look-behind with \s* rescans every run of spaces.)
  /(?:aws_secret_access_key|secretAccessKey)["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
  // GitHub: classic and OAuth/app tokens (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained PATs.
  /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9])/g,
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}(?![A-Za-z0-9_])/g,
  // LLMTrace's own API keys.
  /(?<![A-Za-z0-9_])lt_[0-9A-Za-z]{40}(?![A-Za-z0-9])/g,
  // JWTs: base64url header and payload, both JSON objects ("eyJ" is `{"`), and a signature.
  /(?<![\w-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?![\w-])/g,
  // The credential after "Bearer" (the word itself stays: "Authorization: Bearer [SECRET]"); it
  // holds a digit, or is too long for a word ("the Bearer authentication scheme" is prose).
  /\bBearer[ \t]+((?=[A-Za-z._~+/-]*\d|[A-Za-z0-9._~+/-]{32})[A-Za-z0-9._~+/-]{8,}=*)(?![A-Za-z0-9._~+/=-])/gi,
  // PEM private-key blocks, and a block cut off before its END line (say by truncation).
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g,
];

const SECRET_HINT = /sk-|A(?:KI|SI|BI|CC|GP|ID|IP|NP|NV|PK|RO|SC)A|gh[pousr]_|github_pat_|lt_|eyJ|bearer|PRIVATE KEY|aws_secret|secretAccessKey/i;

const secret: Detector = {
  mayMatch: (text) => SECRET_HINT.test(text),
  // A pattern with a group replaces only the group, which ends the match (the label before it stays).
  find: (text) => SECRET_PATTERNS.flatMap((pattern) => rangesOf(pattern, text, (m) => [m.index + m[0].length - (m[1] ?? m[0]).length, m.index + m[0].length])),
};

export const DETECTOR_IMPLEMENTATIONS: Readonly<Record<DetectorName, Detector>> = { email, phone, card, iban, ip, secret };

/**
 * The order detectors run in: secrets first (a token may hold an "@" or digits), then the shapes
 * that contain others (an IBAN holds digit runs, a card number could look like a phone number).
 */
export const DETECTOR_ORDER: readonly DetectorName[] = ['secret', 'email', 'iban', 'card', 'phone', 'ip'];

/** Ranges sorted and merged where they overlap: each stretch of text is replaced once. */
export function mergeRanges(ranges: Range[]): Range[] {
  if (ranges.length <= 1) return ranges;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** `text` with each range replaced by `replacement`, and how many ranges there were. */
export function replaceRanges(text: string, ranges: Range[], replacement: string): { text: string; count: number } {
  const merged = mergeRanges(ranges);
  if (merged.length === 0) return { text, count: 0 };
  let out = '';
  let at = 0;
  for (const [start, end] of merged) {
    out += text.slice(at, start) + replacement;
    at = end;
  }
  return { text: out + text.slice(at), count: merged.length };
}

/**
 * Runs one built-in detector over `text`: the text with what it found replaced, and how many.
 *
 * @example
 * detect('email', 'write to ana@example.com'); // { text: 'write to [EMAIL]', count: 1 }
 */
export function detect(name: DetectorName, text: string): { text: string; count: number } {
  const detector = DETECTOR_IMPLEMENTATIONS[name];
  if (!detector.mayMatch(text)) return { text, count: 0 };
  return replaceRanges(text, detector.find(text), REPLACEMENTS[name]);
}
