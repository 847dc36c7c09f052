import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturePeerAddresses, clientAddress, normalizeAddress, requestHost, UNKNOWN_ADDRESS } from '@/lib/http/client-address';

const request = (headers: Record<string, string>) => new Request('http://127.0.0.1:3000/api/auth/login', { headers });

describe('clientAddress', () => {
  it('ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(clientAddress(request({ 'x-forwarded-for': '1.2.3.4' }), 0)).toBe(UNKNOWN_ADDRESS);
  });

  it('takes the entry the outermost trusted proxy appended, not what the client wrote before it', () => {
    const forwarded = request({ 'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.2' });
    expect(clientAddress(forwarded, 1)).toBe('10.0.0.2');
    expect(clientAddress(forwarded, 2)).toBe('1.2.3.4');
    expect(clientAddress(forwarded, 9)).toBe('6.6.6.6');
  });

  it('normalises ports, IPv4-mapped IPv6 and cuts IPv6 to its /64', () => {
    expect(normalizeAddress('1.2.3.4:5678')).toBe('1.2.3.4');
    expect(normalizeAddress('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeAddress('[2001:db8::1]:443')).toBe('2001:db8:0:0::/64');
    expect(normalizeAddress('2001:0db8:0001:0002:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(normalizeAddress('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(normalizeAddress('::1')).toBe('0:0:0:0::/64');
  });
});

describe('requestHost', () => {
  it('uses Host, and X-Forwarded-Host only from a trusted proxy', () => {
    const forwarded = request({ host: 'internal:3000', 'x-forwarded-host': 'evil.example, traces.example.com' });
    expect(requestHost(forwarded, 0)).toBe('internal:3000');
    expect(requestHost(forwarded, 1)).toBe('traces.example.com');
  });
});

describe('capturePeerAddresses', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    capturePeerAddresses();
    capturePeerAddresses();
    server = http.createServer(async (req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const address = clientAddress(new Request(`http://localhost${req.url}`, { headers: req.headers as Record<string, string> }), 0);
      res.end(address);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("gives the handler the socket's address, across awaits, whatever X-Forwarded-For says", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '6.6.6.6' } });
    expect(await response.text()).toBe('127.0.0.1');
  });
});
