// A page served the way a browser wants it: compressed (brotli or gzip, chosen from Accept-Encoding with
// its q-values), with a strong ETag per representation and Cache-Control, answering If-None-Match with 304
// and HEAD with the headers alone. The body is built once per process, and each encoding is computed once,
// on first demand, off the event loop (node:zlib's asynchronous functions run on libuv's thread pool).
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = 'br' | 'gzip' | 'identity';

/** The encoding to send: the best one (br, then gzip, then none) that Accept-Encoding does not refuse. */
export function chooseEncoding(acceptEncoding: string | null): Encoding {
  if (!acceptEncoding) return 'identity';
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (name: string) => weights.get(name) ?? weights.get('*') ?? (name === 'identity' ? 1 : 0);
  for (const encoding of ['br', 'gzip'] as const) if (weightOf(encoding) > 0) return encoding;
  return 'identity';
}

/** Whether If-None-Match names this entity tag (weak comparison, as RFC 9110 asks for If-None-Match). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => bare(tag) === bare(etag));
}

export interface StaticPageOptions {
  contentType: string;
  cacheControl: string;
  /** Extra headers (e.g. a Content-Security-Policy). */
  headers?: Record<string, string>;
}

export interface StaticPage {
  /** The response to a GET or HEAD of this page. */
  respond(request: Request): Promise<Response>;
}

export function staticPage(build: () => string | Promise<string>, options: StaticPageOptions): StaticPage {
  let body: Promise<{ bytes: Buffer; tag: string }> | undefined;
  const encoded = new Map<Encoding, Promise<Uint8Array<ArrayBuffer>>>();

  const source = () =>
    (body ??= Promise.resolve(build()).then((text) => {
      const bytes = Buffer.from(text, 'utf8');
      return { bytes, tag: createHash('sha256').update(bytes).digest('base64url').slice(0, 27) };
    }));
  const bytesFor = (encoding: Encoding) => {
    let pending = encoded.get(encoding);
    if (!pending) {
      pending = source().then(({ bytes }) => {
        if (encoding === 'gzip') return gzipAsync(bytes, { level: 9 });
        if (encoding === 'br') {
          // Quality 9: within 10% of the best brotli does here at a fifteenth of its time (a few seconds, once).
          return brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } });
        }
        return bytes;
      }).then((bytes) => new Uint8Array(bytes)); // one copy, once: a body over its own ArrayBuffer
      // A failed compression is not kept: the next request tries again.
      pending.catch(() => encoded.delete(encoding));
      encoded.set(encoding, pending);
    }
    return pending;
  };

  return {
    async respond(request) {
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      const { tag } = await source();
      const etag = `"${tag}${encoding === 'identity' ? '' : `-${encoding}`}"`;
      const headers: Record<string, string> = {
        'content-type': options.contentType,
        'cache-control': options.cacheControl,
        etag,
        vary: 'Accept, Accept-Encoding',
        ...options.headers,
      };
      if (matches(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
      const bytes = await bytesFor(encoding);
      if (encoding !== 'identity') headers['content-encoding'] = encoding;
      headers['content-length'] = String(bytes.length);
      return new Response(request.method === 'HEAD' ? null : bytes, { status: 200, headers });
    },
  };
}
