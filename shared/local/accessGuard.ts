/**
 * Who may talk to the local control plane (`poolscale up`). The server binds to loopback, but
 * any web page the user opens and any other user of the machine can reach loopback too, so:
 *
 * - **Host**: only the names of the address it bound (`127.0.0.1:PORT`, `localhost:PORT`,
 *   `[::1]:PORT`). A page on `http://rebind.test:PORT` whose name a DNS rebinding attack made
 *   resolve to 127.0.0.1 sends `Host: rebind.test:PORT` and gets 403.
 * - **Cross-site requests**: a browser request whose `Origin` is not one of those origins, or
 *   whose `Sec-Fetch-Site` is `cross-site` or `same-site` (another port of 127.0.0.1 is the
 *   same site), is refused with 403: a form post or `fetch` from another page cannot act.
 * - **Bearer token** (when configured): every API route needs `Authorization: Bearer <token>`.
 *   The token is in the data folder, mode 0600, so only this user (and root) can read it; the
 *   CLI sends it, and the dashboard gets it from the URL fragment printed by `up`.
 *
 * `/health` and the dashboard's static files (page, script, icon: no data, no action) need no
 * token; the relay (`/agent/`) authenticates each heartbeat with the host's HMAC, so it is
 * checked here without a token (Host and cross-site only).
 *
 * The server listens on 127.0.0.1 and on ::1 at the same port (httpServer.ts `listenLoopback`),
 * so `localhost:PORT` and `[::1]:PORT` reach this server, not another user's listener on ::1.
 */
import { loopbackHosts, tokenMatches } from '../agent/statusServer';
import type { HttpRequest, HttpResponse } from './httpServer';

export interface AccessGuardOptions {
  /** The port the server is bound to (read per request: it is known only after listen). */
  port: () => number;
  /** The bearer token; undefined disables the token check (tests, embedding). */
  token?: string;
  /** Paths served without a token (exact match). */
  publicPaths?: readonly string[];
}

const refuse = (status: number, error: string, message: string, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify({ error, message }),
});

/** The answer that refuses the request, or undefined when it may proceed. */
export function checkAccess(request: HttpRequest, options: AccessGuardOptions): HttpResponse | undefined {
  const port = options.port();
  const hosts = loopbackHosts(port);
  const host = (request.headers.host ?? '').toLowerCase();
  if (!hosts.includes(host)) {
    // 403, not 421: Chromium retries a 421 and turns it into a network error.
    return refuse(403, 'Forbidden', `This server answers only to the Host ${hosts.join(', ')}`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !hosts.some((allowed) => origin.toLowerCase() === `http://${allowed}`)) {
    return refuse(403, 'Forbidden', 'Cross-origin requests are not accepted');
  }
  const site = request.headers['sec-fetch-site']?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return refuse(403, 'Forbidden', 'Cross-site requests are not accepted');
  }
  if (options.token !== undefined && !(options.publicPaths ?? []).includes(request.path)) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!tokenMatches(presented, options.token)) {
      return refuse(401, 'Unauthorized', 'Send the token of `poolscale up` (the file "token" in its data folder) as "Authorization: Bearer <token>"', {
        'www-authenticate': 'Bearer realm="poolscale"',
      });
    }
  }
  return undefined;
}
