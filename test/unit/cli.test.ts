import { Readable } from 'node:stream';
import { main } from '../../cli';
import { integer, pairs, parse, UsageError } from '../../cli/args';
import { parseHandlerSpec } from '../../cli/handler-loader';
import { readLines } from '../../cli/io';
import { formatTable } from '../../cli/table';
import { memoryIo } from '../support/cli-io';

async function collect(input: AsyncIterable<string>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of input) lines.push(line);
  return lines;
}

const io = () => memoryIo();

describe('readLines', () => {
  it('splits chunks at LF and CRLF, across chunk boundaries, keeping a last line without newline', async () => {
    const input = Readable.from([Buffer.from('a\r\nb'), Buffer.from('c\n\nd')]);
    expect(await collect(readLines(input))).toEqual(['a', 'bc', '', 'd']);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('é\n');
    expect(await collect(readLines(Readable.from([bytes.subarray(0, 1), bytes.subarray(1)])))).toEqual(['é']);
  });
});

describe('formatTable', () => {
  it('pads columns like the Kafka tools', () => {
    expect(formatTable(['TOPIC', 'LAG'], [['orders', '3']])).toEqual(['TOPIC   LAG', 'orders  3']);
  });
});

describe('parseHandlerSpec', () => {
  it('defaults the export to handler and keeps Windows drive letters', () => {
    expect(parseHandlerSpec('fn.ts')).toEqual({ file: 'fn.ts', exportName: 'handler' });
    expect(parseHandlerSpec('dir/fn.mjs:onOrder')).toEqual({ file: 'dir/fn.mjs', exportName: 'onOrder' });
    expect(parseHandlerSpec('C:\\fn.js')).toEqual({ file: 'C:\\fn.js', exportName: 'handler' });
  });
});

describe('arguments', () => {
  it('parses repeated key=value options and rejects a pair without =', () => {
    expect(pairs(['a=1', 'b=x=y'], 'config', 'topics')).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
    ]);
    expect(() => pairs(['nope'], 'config', 'topics')).toThrow(UsageError);
  });

  it('reads integers and names the option that is not one', () => {
    expect(integer({ n: '12' }, 'n', 1, 'x')).toBe(12);
    expect(integer({}, 'n', 1, 'x')).toBe(1);
    expect(() => integer({ n: '1.5' }, 'n', 1, 'x')).toThrow(/--n must be a non-negative integer/);
  });

  it('turns an unknown option into a usage error that points at --help', () => {
    expect(() => parse(['--nope'], {}, 'topics')).toThrow(/see: sluice topics --help/);
  });
});

describe('main', () => {
  it('prints the command list with --help on stdout', async () => {
    const streams = io();
    expect(await main(['--help'], streams)).toBe(0);
    expect(streams.out()).toMatch(/^Usage: sluice <command>/);
    expect(streams.err()).toBe('');
  });

  it('without a command, shows the usage on stderr and fails', async () => {
    const streams = io();
    expect(await main([], streams)).toBe(1);
    expect(streams.out()).toBe('');
    expect(streams.err()).toMatch(/Usage: sluice/);
  });

  it('answers an unknown command with one line naming the commands', async () => {
    const streams = io();
    expect(await main(['frobnicate'], streams)).toBe(1);
    expect(streams.err()).toMatch(
      /^sluice: Unknown command "frobnicate": use one of topics, produce, consume, groups, run-consumer, console .*\n$/,
    );
  });

  it('explains an unreachable server in one line', async () => {
    const streams = io();
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    };
    const code = await main(['topics', 'list', '--url', 'http://127.0.0.1:9'], {
      ...streams,
      fetch: refused,
    });
    expect(code).toBe(1);
    expect(streams.err()).toMatch(
      /^sluice: Cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\).*running\.\n$/,
    );
  });
});

describe('readLines with a signal', () => {
  it('stops waiting for input once aborted', async () => {
    const controller = new AbortController();
    const never: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => {}) }),
    };
    setTimeout(() => controller.abort(), 10);
    expect(await collect(readLines(never, controller.signal))).toEqual([]);
  });
});
