/**
 * The load generator's HTTP/1.1 client: one keep-alive TCP connection per client, the
 * request bytes serialised once, and only as much parsing of each answer as needed (status
 * line, `Content-Length`, body), in the manner of wrk or autocannon. `node:http` costs
 * several times more CPU per request, and the load generator shares the machine with the
 * server it measures.
 */
import { connect, type Socket } from 'node:net';

/** An answer: the status code and the body. */
export interface RawAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/** One keep-alive connection; requests on it go one at a time. */
export interface RawConnection {
  /** Sends `request` (a complete HTTP/1.1 request) and resolves the answer. */
  send(request: Buffer): Promise<RawAnswer>;
  close(): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Serialises a POST with a JSON body once, for sending many times.
 *
 * @example
 * const bytes = rawPost('http://127.0.0.1:8080/v3/clusters/local/topics/t/records:batch', body);
 */
export function rawPost(url: string, body: string | Buffer): Buffer {
  const { host, pathname, search } = new URL(url);
  const payload = Buffer.from(body);
  const head =
    `POST ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${payload.length}\r\nConnection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/**
 * Opens a connection to the origin of `url`. The server must answer with `Content-Length`
 * (Sluice's node server always does); chunked answers are refused.
 *
 * @example
 * const connection = await openRawConnection(url);
 * const { status } = await connection.send(rawPost(url, body));
 */
export async function openRawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket: Socket = await new Promise((resolve, reject) => {
    const opened = connect({ host: hostname, port: Number(port), noDelay: true }, () => {
      opened.off('error', reject);
      resolve(opened);
    });
    opened.once('error', reject);
  });
  let waiting: { resolve: (answer: RawAnswer) => void; reject: (error: Error) => void } | undefined;
  let buffered: Buffer = Buffer.alloc(0);
  let failure: Error | undefined;

  const fail = (error: Error) => {
    failure ??= error;
    waiting?.reject(error);
    waiting = undefined;
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the server closed the connection')));
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const headerEnd = buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = buffered.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      fail(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
      socket.destroy();
      return;
    }
    const end = headerEnd + HEADER_END.length + Number(length[1]);
    if (buffered.length < end) return;
    const body = buffered.subarray(headerEnd + HEADER_END.length, end);
    buffered = buffered.subarray(end);
    const done = waiting;
    waiting = undefined;
    done?.resolve({ status, body });
  });
  return {
    send: (request) => {
      if (failure) return Promise.reject(failure);
      if (waiting) return Promise.reject(new Error('one request at a time on a connection'));
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(request);
      });
    },
    close: () => {
      failure ??= new Error('the connection was closed');
      socket.destroy();
    },
  };
}
