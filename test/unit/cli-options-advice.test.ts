import { unknownOptionAdvice } from '../../cli/options-advice';

const advice = (rawName: string, command: string, value?: string) =>
  unknownOptionAdvice({ name: rawName.replace(/^-+/, ''), rawName, value, command });

describe('unknownOptionAdvice', () => {
  it.each([
    ['--bootstrap-server', 'topics', 'localhost:9092', /use --url URL/],
    ['--property', 'produce', 'parse.key=true', /--key-separator S/],
    ['--property', 'produce', 'parse.key=false', /without --key-separator each line is a value/],
    ['--property', 'consume', 'print.key=true', /use --print-key/],
    ['--property', 'consume', 'print.key=false', /keys are not printed by default/],
    ['--property', 'consume', 'print.offset=true', /use --json/],
    ['--property', 'consume', 'no.such=thing', /Sluice has no --property/],
    ['--consumer-property', 'consume', 'auto.offset.reset=earliest', /use --from-beginning/],
    ['--producer-property', 'produce', 'linger.ms=20', /use --linger-ms 20/],
    ['--producer-property', 'produce', 'enable.idempotence=false', /use --no-idempotence/],
    ['--topic', 'produce', 'orders', /the topic is an argument, not an option: sluice produce orders/],
    ['--group', 'groups', 'billing', /sluice groups describe billing/],
    [
      '--describe',
      'groups',
      undefined,
      /the action is a word, not an option: sluice groups describe <group>/,
    ],
    ['--version', 'topics', undefined, /sluice --version/],
  ])('%s %s %s', (rawName, command, value, expected) => {
    const text = advice(rawName, command, value);
    expect(text).toMatch(expected);
    expect(text).toMatch(/^Unknown option --/);
    expect(text.endsWith(`(see: sluice ${command} --help)`)).toBe(true);
  });

  it('names the command that lacks an option nobody maps', () => {
    expect(advice('--frobnicate', 'consume')).toBe(
      'Unknown option --frobnicate: sluice consume has no such option (see: sluice consume --help)',
    );
    expect(advice('--frobnicate', '')).toBe(
      'Unknown option --frobnicate: options go after the command, as in sluice topics list --json (see: sluice --help)',
    );
  });
});
