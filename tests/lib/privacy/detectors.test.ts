/**
 * Each built-in detector against a corpus of what it must find and what it must leave alone, the
 * replacements and counts, the custom-pattern guard, and the JSON walk of the masker.
 */
import { describe, expect, it } from 'vitest';
import { compilePattern, createMasker, detect, DETECTORS, findAll, REPLACEMENTS, type DetectorName, type MaskCounts } from '@llmtrace/sdk/mask';
import { PrivacySettingsBody } from '@/lib/privacy/settings';

/** Each true positive is found whole, as the only thing in its sentence; each false positive is left as it is. */
function corpus(name: DetectorName, { found, ignored }: { found: string[]; ignored: string[] }) {
  describe(name, () => {
    it.each(found)('masks %s', (value) => {
      const result = detect(name, `before ${value} after`);
      expect(result).toEqual({ text: `before ${REPLACEMENTS[name]} after`, count: 1 });
    });
    it.each(ignored)('leaves %s alone', (text) => {
      expect(detect(name, text)).toEqual({ text, count: 0 });
    });
  });
}

corpus('email', {
  found: ['ana@example.com', 'first.last+tag@mail.example.co.uk', 'x_y-z%1@sub-domain.example.io', 'UPPER@EXAMPLE.ORG', 'a@b.museum'],
  ignored: [
    'no at sign here',
    'user@localhost has no dot',
    '@handle on social media',
    'a..b@example.com is malformed',
    '.ana@example.com starts with a dot',
    'npm i @scope/package@1.2.3',
    'price is 5 @ $3.50',
    'git@ssh-host:repo.git',
  ],
});

corpus('phone', {
  found: [
    '+1 (415) 555-2671', // US
    '+44 20 7946 0958', // UK
    '+49 30 901820', // Germany
    '+33 1 42 68 53 00', // France
    '+7 495 123-45-67', // Russia
    '+81 3-1234-5678', // Japan
    '+91 98765 43210', // India
    '+55 11 91234-5678', // Brazil
    '+61 2 9374 4000', // Australia
    '+14155552671', // E.164
  ],
  ignored: [
    'call 415 555 2671 (no country code: cannot be told from other digits)',
    'order 4111111111111111',
    'version 1.2.3 released 2024-01-02',
    'total +12 points',
    'timestamp 1764000000000',
    'ratio +0.5',
  ],
});

corpus('card', {
  found: [
    '4111111111111111', // Visa
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '5555555555554444', // Mastercard
    '2223003122003222', // Mastercard 2-series
    '378282246310005', // Amex
    '3782 822463 10005', // Amex, grouped 4-6-5
    '6011111111111117', // Discover
    '3530111333300000', // JCB
  ],
  ignored: [
    'order 4111111111111112 (fails Luhn)',
    'order id 1234567812345670 (passes Luhn, no issuer starts with 1)',
    'invoice 9000000000000000008',
    'tracking 5555555555554445',
    'a list 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1',
    'pi 3.14159265358979323',
    'timestamp 1764000000000123',
    'uuid 4111111111111111-abc',
  ],
});

corpus('iban', {
  found: [
    'DE89370400440532013000', // Germany
    'DE89 3704 0044 0532 0130 00',
    'GB82WEST12345698765432', // United Kingdom
    'GB82 WEST 1234 5698 7654 32',
    'FR1420041010050500013M02606', // France
    'NL91ABNA0417164300', // Netherlands
    'ES9121000418450200051332', // Spain
    'CH9300762011623852957', // Switzerland
    'BE68539007547034', // Belgium
  ],
  ignored: [
    'DE89370400440532013001 (wrong check digits)',
    'GB00WEST12345698765432',
    'SKU AB12CDEF34567890',
    'model XY12 3456 7890 1234 is not an IBAN',
  ],
});

corpus('ip', {
  found: ['192.168.1.10', '8.8.8.8', '255.255.255.255', '2001:db8::8a2e:370:7334', 'fe80::1', '::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', '::ffff:192.0.2.1'],
  ignored: [
    'version v1.2.3.4 of the app', // glued to a letter: a version
    'semver 1.2.3',
    'octets 256.1.1.1 out of range',
    'dotted 1.2.3.4.5 has five parts',
    'time 12:30:45',
    'C++ std::vector and Foo::Bar',
    'hex dead::beef with no digit',
    'MAC 00:1a:2b:3c:4d:5e',
    'pi 3.14',
  ],
});

corpus('secret', {
  found: [
    'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789',
    'sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKl',
    'sk-svcacct-AbCdEfGhIjKlMnOpQrSt_uv-0123',
    'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AA',
    'AKIAIOSFODNN7EXAMPLE',
    'ASIAY34FZKBOKMUTVV7A',
    'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012',
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'lt_0123456789abcdefghijABCDEFGHIJ0123456789',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n-----END RSA PRIVATE KEY-----',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----',
  ],
  ignored: [
    'the sk- prefix alone, or sk-short',
    'task-list and desk-lamp',
    'AKIA is a prefix, AKIAshort too',
    'ghp_tooShort',
    'the Bearer authentication scheme',
    'eyJ alone is not a token',
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----',
    'lt_short and alt_text',
  ],
});

describe('secret: Bearer tokens and labelled AWS secrets', () => {
  it('masks the credential after Bearer and keeps the word', () => {
    expect(detect('secret', 'Authorization: Bearer abc123def456ghi789')).toEqual({ text: 'Authorization: Bearer [SECRET]', count: 1 });
    expect(detect('secret', 'authorization: bearer 9f8e7d6c5b4a')).toEqual({ text: 'authorization: bearer [SECRET]', count: 1 });
  });
  it('masks an AWS secret access key where it is labelled', () => {
    const text = 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(detect('secret', text)).toEqual({ text: 'aws_secret_access_key = [SECRET]', count: 1 });
  });
  it('masks a private key cut off before its END line, to the end of the text', () => {
    expect(detect('secret', 'key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toEqual({ text: 'key: [SECRET]', count: 1 });
  });
});

describe('every detector', () => {
  it('counts each occurrence and replaces it with its own marker', () => {
    const text = 'mail ana@example.com or bo@example.org; card 4111 1111 1111 1111; ip 10.0.0.1';
    expect(detect('email', text)).toEqual({ text: 'mail [EMAIL] or [EMAIL]; card 4111 1111 1111 1111; ip 10.0.0.1', count: 2 });
    expect(DETECTORS.map((name) => REPLACEMENTS[name])).toEqual(['[EMAIL]', '[PHONE]', '[CARD]', '[IBAN]', '[IP]', '[SECRET]']);
  });

  it('scans megabyte-long adversarial strings in linear time', () => {
    const runs = ['a'.repeat(1_000_000), `${'a.'.repeat(300_000)}@`, '1'.repeat(1_000_000), `${'1 '.repeat(300_000)}`, `+${'1'.repeat(500_000)}`, `${'ab12'.repeat(200_000)}`, `${':1'.repeat(300_000)}`, `Bearer ${'x'.repeat(500_000)}`, `Bearer${' '.repeat(300_000)}x`, `aws_secret_access_key=${' '.repeat(300_000)}x`, `-----BEGIN ${'A '.repeat(200_000)}`, '+1 '.repeat(100_000), '4111 '.repeat(100_000), 'DE89 '.repeat(100_000), 'a@b.'.repeat(100_000), 'sk-'.repeat(100_000)];
    for (const text of runs) {
      const start = performance.now();
      for (const name of DETECTORS) detect(name, text);
      expect(performance.now() - start, text.slice(0, 20)).toBeLessThan(3000);
    }
  });
});

describe('custom patterns', () => {
  it.each([
    ['(a)\\1', /backreferences are not supported/],
    ['(?=a)b', /look-ahead and look-behind are not supported/],
    ['(?<!a)b', /look-ahead and look-behind are not supported/],
    ['[a-', /invalid regular expression: missing closing \]/],
    ['a**', /invalid regular expression/],
    ['(a{1000}){1000}', /too large|repetition/],
    ['(?:(?:ab|cd|ef|gh){20}){40}', /too large once compiled \(8802 instructions/],
    ['a*', /matches the empty text/],
    ['^(\\d+)*$', /matches the empty text/],
    ['x|', /matches the empty text/],
    ['', /empty/],
    ['a'.repeat(1001), /longer than 1000/],
  ])('refuses %s', (pattern, reason) => {
    const result = compilePattern(pattern);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('runs patterns that backtrack catastrophically elsewhere in linear time (RE2)', () => {
    for (const pattern of ['(a+)+$', '(a|a)*b', '(x+x+)+y', '^(\\d+)+$']) {
      const compiled = compilePattern(pattern);
      if (!compiled.ok) throw new Error(`${pattern}: ${compiled.reason}`);
      const start = performance.now();
      findAll(compiled.regex, `${'a'.repeat(50_000)}!${'x'.repeat(50_000)}${'1'.repeat(50_000)}!`);
      expect(performance.now() - start, pattern).toBeLessThan(3000);
    }
  });

  it('the settings body gives each refused pattern its path and reason', () => {
    const parsed = PrivacySettingsBody.safeParse({ masking: { custom: [{ pattern: 'ok-\\d+', replacement: '[ID]' }, { pattern: '(a)\\1', replacement: 'x' }] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues).toEqual([expect.objectContaining({ path: ['masking', 'custom', 1, 'pattern'], message: expect.stringMatching(/backreferences/) })]);
  });
});

describe('the masker', () => {
  const masker = createMasker({ detectors: ['email', 'secret', 'card'], custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }, { pattern: '(?i)project falcon', replacement: '[CODENAME]' }], spanNames: false })!;

  it('masks every string at any depth, keys included, and counts by rule', () => {
    const counts: MaskCounts = {};
    const value = {
      messages: [{ role: 'user', content: 'I am ana@example.com, order ORD-123456, card 4111111111111111' }],
      nested: { deeper: [[{ token: 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789' }]], 'bo@example.org': 'Project Falcon' },
      number: 4111111111111111,
      flag: true,
      nothing: null,
    };
    const masked = masker.json(value, counts);
    expect(masked).toEqual({
      messages: [{ role: 'user', content: 'I am [EMAIL], order [ORDER], card [CARD]' }],
      nested: { deeper: [[{ token: '[SECRET]' }]], '[EMAIL]': '[CODENAME]' },
      number: 4111111111111111,
      flag: true,
      nothing: null,
    });
    expect(counts).toEqual({ email: 2, secret: 1, card: 1, custom: 2 });
    expect(value.messages[0]!.content).toContain('ana@example.com');
  });

  it('returns an unchanged value as it is, and keeps two keys masked alike apart', () => {
    const clean = { a: ['x', { b: 'y' }] };
    expect(masker.json(clean, {})).toBe(clean);
    expect(masker.json({ 'a@example.com': 1, 'b@example.com': 2 }, {})).toEqual({ '[EMAIL]': 1, '[EMAIL] #2': 2 });
  });

  it('masks what JSON.stringify would write of a URL, and keeps a "__proto__" key a key', () => {
    const url = new URL('https://example.com/reset?email=ana@example.com');
    expect(masker.json({ url }, {})).toEqual({ url: 'https://example.com/reset?email=[EMAIL]' });
    const tricky = JSON.parse('{"__proto__": "ana@example.com"}');
    const masked = masker.json(tricky, {}) as Record<string, unknown>;
    expect(Object.hasOwn(masked, '__proto__')).toBe(true);
    expect(JSON.stringify(masked)).toBe('{"__proto__":"[EMAIL]"}');
  });

  it('is null when nothing is switched on', () => {
    expect(createMasker({ detectors: [], custom: [], spanNames: true })).toBeNull();
  });
});
