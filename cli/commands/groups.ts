/** `sluice groups list|lag`, in the manner of kafka-consumer-groups.sh. */
import { createAdmin } from '../../shared/client/admin';
import { connection, parse, positional, UsageError } from '../args';
import { COMMON_HELP, type Command } from '../command';
import { writeLine } from '../io';
import { formatTable } from '../table';

const HELP = `Usage: sluice groups <list|lag> [options]

  sluice groups list             consumer group ids (with --json: ids and states)
  sluice groups lag <group>      per-partition committed offset, log end offset and lag
                                 (alias: describe)

Examples:
  sluice groups lag billing
  sluice groups lag billing --json

${COMMON_HELP}`;

/** Kafka's column titles, so scripts and eyes used to kafka-consumer-groups.sh feel at home. */
const LAG_HEADER = ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID'];

/**
 * The `groups` command.
 *
 * @example
 * await groupsCommand.run(['--help'], io);
 */
export const groupsCommand: Command = {
  name: 'groups',
  summary: 'list consumer groups and show their lag',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {}, 'groups');
    if (values.help) {
      await writeLine(io.stdout, HELP);
      return;
    }
    const [action, ...rest] = positionals;
    const admin = createAdmin(connection(values, io));
    const json = values.json === true;
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
          row.lag,
          row.consumerId || '-',
        ]);
        for (const line of formatTable(LAG_HEADER, rows)) await writeLine(io.stdout, line);
        return;
      }
      default:
        throw new UsageError(
          action === undefined
            ? 'Name an action: sluice groups list|lag <group> (see: sluice groups --help)'
            : `Unknown action "${action}": use list or lag (see: sluice groups --help)`,
        );
    }
  },
};
