import { join } from 'node:path';
import {
  allDocBlocks,
  extractBlocks,
  isRun,
  markingProblem,
  matchesShownMessage,
  shellCommands,
} from '../support/doc-blocks';

const ROOT = join(__dirname, '..', '..');

describe('extractBlocks', () => {
  it('finds blocks with their language, line, not-run reason and list indentation removed', () => {
    const markdown = [
      '# Title', //                                 1
      '```sh', //                                   2
      'ls', //                                      3
      '```', //                                     4
      '1. step', //                                 5
      '   <!-- not-run: needs AWS -->', //          6
      '', //                                        7
      '   ```sh', //                                8
      '   npx cdk bootstrap', //                    9
      '   ```', //                                  10
      '```', //                                     11
      'a -> b', //                                  12
      '```', //                                     13
    ].join('\n');
    expect(extractBlocks(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 2, language: 'sh', code: 'ls' },
      { file: 'x.md', line: 8, language: 'sh', code: 'npx cdk bootstrap', notRun: 'needs AWS' },
      { file: 'x.md', line: 11, language: '', code: 'a -> b' },
    ]);
  });

  it('refuses a block that is never closed', () => {
    expect(() => extractBlocks('```sh\nls\n', 'x.md')).toThrow('x.md:1: the code block is never closed');
  });
});

describe('markingProblem', () => {
  const block = { file: 'x.md', line: 3, code: '' };
  it('accepts runnable, not-run with a reason, and not-code blocks', () => {
    expect(markingProblem({ ...block, language: 'sh' })).toBeUndefined();
    expect(markingProblem({ ...block, language: 'ts', notRun: 'jest only' })).toBeUndefined();
    expect(markingProblem({ ...block, language: 'text' })).toBeUndefined();
  });
  it('refuses unlabelled blocks, unknown languages, reasonless or misplaced not-run marks', () => {
    expect(markingProblem({ ...block, language: '' })).toMatch(/^x\.md:3: a code block without a language/);
    expect(markingProblem({ ...block, language: 'python' })).toMatch(/language "python"/);
    expect(markingProblem({ ...block, language: 'sh', notRun: '' })).toMatch(/needs a reason/);
    expect(markingProblem({ ...block, language: 'json', notRun: 'x' })).toMatch(/needs no not-run mark/);
  });
});

describe('shellCommands', () => {
  it('joins continuation lines, skips prose comments and keeps the error shown under a command', () => {
    const code = [
      '# create it',
      'curl -s -X POST http://x \\',
      "  -d '{}'",
      '',
      'sluice topics delete nope',
      '# sluice: Topic "nope" does not exist…',
      'sluice consume orders --print-key   # new records, until Ctrl-C',
    ].join('\n');
    expect(shellCommands({ code, line: 10 })).toEqual([
      { command: "curl -s -X POST http://x \\\n  -d '{}'", line: 12, untilCtrlC: false },
      {
        command: 'sluice topics delete nope',
        line: 15,
        expectedError: 'Topic "nope" does not exist…',
        untilCtrlC: false,
      },
      {
        command: 'sluice consume orders --print-key   # new records, until Ctrl-C',
        line: 17,
        untilCtrlC: true,
      },
    ]);
  });
});

describe('matchesShownMessage', () => {
  it('treats … as any text and numbers as any number', () => {
    const shown = 'Offset 99 is outside partition 0: offsets 0 to 41 … Use --offset earliest.';
    expect(
      matchesShownMessage(
        shown,
        'sluice: Offset 7 is outside partition 0: offsets 0 to 3 and more. Use --offset earliest.\n',
      ),
    ).toBe(true);
    expect(matchesShownMessage(shown, 'sluice: Offset 7 is outside topic x. Use --offset earliest.')).toBe(
      false,
    );
  });
});

describe('the docs of this repository', () => {
  it('mark every code block as run, not-run (with a reason) or not code', () => {
    const blocks = allDocBlocks(ROOT);
    expect(blocks.map(markingProblem).filter(Boolean)).toEqual([]);
    expect(blocks.filter(isRun).length).toBeGreaterThan(10);
  });
});
