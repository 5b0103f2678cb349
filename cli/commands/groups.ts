/** `sluice groups list|lag|reset-offsets|delete`, in the manner of kafka-consumer-groups.sh. */
import { createAdmin, type OffsetResetTarget } from '../../shared/client/admin';
import { connection, integer, parse, positional, UsageError, type Values } from '../args';
import { COMMON_HELP, type Command } from '../command';
import { about } from '../errors';
import { writeLine } from '../io';
import { formatTable } from '../table';

const HELP = `Usage: sluice groups <list|lag|reset-offsets|delete> [options]

  sluice groups list             consumer group ids (with --json: ids and states)
  sluice groups lag <group>      per-partition committed offset, log end offset and lag;
                                 "-" where the group has committed nothing yet
                                 (alias: describe)
  sluice groups reset-offsets <group> --topic T (--to-earliest | --to-latest |
        --to-datetime ISO | --to-offset N) [--execute]
                                 move the group's offsets on every partition of T;
                                 prints the plan and changes nothing unless --execute
  sluice groups delete <group>   delete the group and its committed offsets

reset-offsets and delete are refused while the group has live members (stop its
consumers first), as Kafka refuses them for a group that is not empty.

Options of reset-offsets:
  --topic T            the topic whose offsets move (all its partitions)
  --to-earliest        to the oldest retained record
  --to-latest          to the end: only records produced from now on
  --to-datetime ISO    to the first record at or after this time, e.g. 2026-01-31T12:00:00.000
                       (local time unless it ends in Z or an offset like +01:00)
  --to-offset N        to offset N (clamped into each partition's log)
  --execute            apply the plan (default: a dry run)
  --dry-run            only print the plan (the default)

Examples:
  sluice groups lag billing
  sluice groups reset-offsets billing --topic orders --to-earliest
  sluice groups reset-offsets billing --topic orders --to-datetime 2026-01-31T12:00:00Z --execute
  sluice groups delete billing

${COMMON_HELP}`;

const OPTIONS = {
  topic: { type: 'string' },
  'to-earliest': { type: 'boolean', default: false },
  'to-latest': { type: 'boolean', default: false },
  'to-datetime': { type: 'string' },
  'to-offset': { type: 'string' },
  execute: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
} as const;

/** Kafka's column titles, so scripts and eyes used to kafka-consumer-groups.sh feel at home. */
const LAG_HEADER = ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID'];
const RESET_HEADER = ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'];

/**
 * The `groups` command.
 *
 * @example
 * await groupsCommand.run(['--help'], io);
 */
export const groupsCommand: Command = {
  name: 'groups',
  summary: 'list consumer groups, show their lag, reset their offsets, delete them',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, OPTIONS, 'groups');
    if (values.help) {
      await writeLine(io.stdout, HELP);
      return;
    }
    const [action, ...rest] = positionals;
    if (action !== 'reset-offsets') {
      const misplaced = Object.keys(OPTIONS).find(
        (name) => values[name] !== undefined && values[name] !== false,
      );
      if (misplaced !== undefined) {
        throw new UsageError(
          `--${misplaced} is an option of sluice groups reset-offsets, not of groups ${action ?? ''}`.trimEnd() +
            ' (see: sluice groups --help)',
        );
      }
    }
    const admin = createAdmin(connection(values, io));
    const json = values.json === true;
    await about({ group: rest[0], topic: values.topic as string | undefined }, async () => {
      switch (action) {
        case 'list': {
          positional(rest, [], 'groups list');
          const groups = await admin.listGroups();
          if (json) await writeLine(io.stdout, JSON.stringify(groups));
          else for (const group of groups) await writeLine(io.stdout, group.groupId);
          return;
        }
        case 'lag':
        case 'describe': {
          const [group] = positional(rest, ['group'], `groups ${action}`);
          const lags = await admin.groupLags(group);
          if (json) {
            await writeLine(io.stdout, JSON.stringify(lags));
            return;
          }
          const rows = lags.map((row) => [
            row.topic,
            String(row.partition),
            row.currentOffset ?? '-',
            row.logEndOffset,
            row.lag ?? '-',
            row.consumerId || '-',
          ]);
          for (const line of formatTable(LAG_HEADER, rows)) await writeLine(io.stdout, line);
          return;
        }
        case 'reset-offsets': {
          const [group] = positional(rest, ['group'], 'groups reset-offsets');
          const topic = values.topic as string | undefined;
          if (topic === undefined) {
            throw new UsageError(
              `Name the topic: sluice groups reset-offsets ${group} --topic T --to-earliest (see: sluice groups --help)`,
            );
          }
          if (values.execute && values['dry-run']) {
            throw new UsageError('Choose one of --execute and --dry-run (see: sluice groups --help)');
          }
          const execute = values.execute === true;
          const plan = await admin.resetGroupOffsets({
            groupId: group,
            topic,
            dryRun: !execute,
            ...resetTarget(values),
          });
          if (json) {
            await writeLine(io.stdout, JSON.stringify(plan));
          } else {
            const rows = plan.map((p) => [group, p.topic, String(p.partition), p.offset]);
            for (const line of formatTable(RESET_HEADER, rows)) await writeLine(io.stdout, line);
          }
          await writeLine(
            io.stderr,
            execute
              ? `Reset the offsets of group ${group} on topic ${topic}.`
              : 'Dry run: nothing changed. Add --execute to reset the offsets.',
          );
          return;
        }
        case 'delete': {
          const [group] = positional(rest, ['group'], 'groups delete');
          await admin.deleteGroup(group);
          await writeLine(io.stderr, `Deletion of requested consumer groups ('${group}') was successful.`);
          return;
        }
        default:
          throw new UsageError(
            action === undefined
              ? 'Name an action: sluice groups list|lag <group>|reset-offsets <group>|delete <group> (see: sluice groups --help)'
              : `Unknown action "${action}": use list, lag, reset-offsets or delete (see: sluice groups --help)`,
          );
      }
    });
  },
};

/** Exactly one `--to-…` option, as the target of the reset. */
function resetTarget(values: Values): OffsetResetTarget {
  const given = ['to-earliest', 'to-latest', 'to-datetime', 'to-offset'].filter(
    (name) => values[name] !== undefined && values[name] !== false,
  );
  if (given.length !== 1) {
    throw new UsageError(
      `${given.length === 0 ? 'Say where to' : `Choose one of ${given.map((g) => `--${g}`).join(', ')}`}: ` +
        '--to-earliest, --to-latest, --to-datetime ISO or --to-offset N (see: sluice groups --help)',
    );
  }
  switch (given[0]) {
    case 'to-earliest':
      return { to: 'earliest' };
    case 'to-latest':
      return { to: 'latest' };
    case 'to-offset':
      return { to: 'offset', offset: integer(values, 'to-offset', 0, 'groups reset-offsets') as number };
    default: {
      const text = String(values['to-datetime']);
      const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
      if (Number.isNaN(timestamp)) {
        throw new UsageError(
          `--to-datetime takes a date and time like 2026-01-31T12:00:00.000 (local time) or 2026-01-31T12:00:00Z, got "${text}" (see: sluice groups --help)`,
        );
      }
      return { to: 'timestamp', timestamp };
    }
  }
}
