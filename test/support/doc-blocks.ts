/**
 * The code blocks of the project's Markdown docs, as the docs test runs them. Pure: reads
 * text, runs nothing.
 *
 * A fenced block is one of:
 * - **code that runs**: language `sh`, `bash` or `ts`; the docs test executes it against
 *   `npm start` (shell blocks one command at a time in bash, TypeScript blocks with tsx);
 * - **code that must not run**, the same languages preceded by `<!-- not-run: why -->`
 *   (deploy-only, needs AWS, starts the backbone itself, …); the reason is required;
 * - **not code**: a diagram, an output or an event shape, labelled `text` or `json`.
 *
 * A block with no language is refused, so every block says which of these it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Languages whose blocks are code the docs test runs (unless marked not-run). */
export const RUNNABLE_LANGUAGES: ReadonlySet<string> = new Set(['sh', 'bash', 'ts']);
/** Languages of blocks that are not code: diagrams, outputs, shapes. */
export const NOT_CODE_LANGUAGES: ReadonlySet<string> = new Set(['text', 'json']);

/** One fenced code block of a Markdown file. */
export interface DocBlock {
  /** The file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word, `''` when there is none. */
  readonly language: string;
  /** The block's text, without the fences and without the list indentation. */
  readonly code: string;
  /** The reason of a `<!-- not-run: reason -->` right before the block (blank lines allowed). */
  readonly notRun?: string;
}

const FENCE = /^(\s*)```(\S*)\s*$/;
const NOT_RUN = /^<!--\s*not-run:\s*(.*?)\s*-->$/;

/**
 * Every fenced block of one Markdown text.
 *
 * @example
 * extractBlocks('```sh\nls\n```\n', 'README.md'); // [{ file: 'README.md', line: 1, language: 'sh', code: 'ls' }]
 */
export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: the code block is never closed`);
    const code = lines
      .slice(i + 1, end)
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const notRun = before >= 0 ? NOT_RUN.exec(lines[before].trim())?.[1] : undefined;
    blocks.push({ file, line: i + 1, language: open[2], code, ...(notRun === undefined ? {} : { notRun }) });
    i = end;
  }
  return blocks;
}

/** Whether the docs test runs this block. */
export function isRun(block: DocBlock): boolean {
  return RUNNABLE_LANGUAGES.has(block.language) && block.notRun === undefined;
}

/**
 * What is wrong with how a block is marked, or `undefined`: a block without a language, a
 * language the docs test does not know, a not-run mark without a reason or on a block that
 * is not code.
 */
export function markingProblem(block: DocBlock): string | undefined {
  const where = `${block.file}:${block.line}`;
  if (block.language === '')
    return `${where}: a code block without a language; label it sh, bash or ts (run by the docs test), or text/json (not code)`;
  if (!RUNNABLE_LANGUAGES.has(block.language) && !NOT_CODE_LANGUAGES.has(block.language))
    return `${where}: language "${block.language}" is neither run (${[...RUNNABLE_LANGUAGES]}) nor known as not code (${[...NOT_CODE_LANGUAGES]})`;
  if (block.notRun === '') return `${where}: <!-- not-run: … --> needs a reason`;
  if (block.notRun !== undefined && !RUNNABLE_LANGUAGES.has(block.language))
    return `${where}: a ${block.language} block is not code, so it needs no not-run mark`;
  return undefined;
}

/** One command of a shell block and what the doc says it does. */
export interface ShellCommand {
  /** The command, continuation lines joined. */
  readonly command: string;
  /** 1-based line in the Markdown file. */
  readonly line: number;
  /** The error the doc shows below it (`# sluice: …`): the command must fail with it. */
  readonly expectedError?: string;
  /** Its comment says it runs until Ctrl-C: the docs test interrupts it and expects exit 0. */
  readonly untilCtrlC: boolean;
}

/**
 * The commands of a shell block, in order. Comment lines are prose, except `# sluice: …`
 * right under a command, which is the error that command prints.
 *
 * @example
 * shellCommands({ code: 'sluice topics delete nope\n# sluice: Topic "nope" does not exist…', line: 1 });
 * // [{ command: 'sluice topics delete nope', line: 2, expectedError: 'Topic "nope" does not exist…', untilCtrlC: false }]
 */
export function shellCommands(block: Pick<DocBlock, 'code' | 'line'>): ShellCommand[] {
  const lines = block.code.split('\n');
  const commands: { command: string; line: number; expectedError?: string; untilCtrlC: boolean }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    if (text.startsWith('#')) {
      const error = /^# sluice: (.*)$/.exec(text)?.[1];
      const last = commands.at(-1);
      if (error !== undefined && last && last.expectedError === undefined) last.expectedError = error;
      continue;
    }
    const line = block.line + 1 + i;
    let command = lines[i];
    while (command.trimEnd().endsWith('\\') && i + 1 < lines.length) command = `${command}\n${lines[++i]}`;
    commands.push({ command: command.trim(), line, untilCtrlC: /#[^'"]*until Ctrl-C/.test(command) });
  }
  return commands;
}

/**
 * Whether a printed message is the one a doc shows: `…` stands for any text, and numbers
 * may differ (offsets and counts depend on what ran before).
 */
export function matchesShownMessage(shown: string, printed: string): boolean {
  const numbersAsAny = (text: string) => text.replace(/\d+/g, '0');
  const pieces = numbersAsAny(shown)
    .split('…')
    .map((piece) => piece.trim())
    .filter(Boolean);
  const pattern = pieces.map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*');
  return new RegExp(pattern).test(numbersAsAny(printed));
}

/** README.md and every Markdown file under docs/, relative to `root`, in a stable order. */
export function docFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) =>
        entry.isDirectory()
          ? walk(join(dir, entry.name))
          : entry.name.endsWith('.md')
            ? [relative(root, join(dir, entry.name))]
            : [],
      );
  return ['README.md', ...walk(join(root, 'docs'))];
}

/** Every block of every doc under `root`. */
export function allDocBlocks(root: string): DocBlock[] {
  return docFiles(root).flatMap((file) => extractBlocks(readFileSync(join(root, file), 'utf8'), file));
}
