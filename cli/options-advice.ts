/**
 * What to say when a command line uses an option the command does not have. Most such
 * options come from Kafka's console tools, so each known one is answered with its Sluice
 * equivalent instead of the argument parser's generic text.
 */

/** Where an unknown option was met: its name, its value if any, and the command. */
export interface UnknownOption {
  /** Without dashes: `bootstrap-server`. */
  readonly name: string;
  /** As typed: `--bootstrap-server`. */
  readonly rawName: string;
  /** `--property parse.key=true` → `parse.key=true`. */
  readonly value?: string;
  /** `topics`, `produce`, `consume`, `groups`, `run-consumer`; '' before any command. */
  readonly command: string;
}

const URL_ADVICE =
  'Sluice is reached over HTTP, not the Kafka protocol: use --url URL (or set $SLUICE_URL; default http://127.0.0.1:8080)';

/** Kafka tool options with one answer whatever the command. */
const KAFKA_OPTIONS: Record<string, string> = {
  'bootstrap-server': URL_ADVICE,
  'broker-list': URL_ADVICE,
  zookeeper: URL_ADVICE,
  'command-config':
    'there is no client config file: --url names the server, and an https URL is signed with SigV4 from the AWS credential chain (AWS_PROFILE, AWS_REGION)',
  'consumer.config':
    'there is no consumer config file: the options of sluice consume (--group, --from-beginning, …) cover it',
  'producer.config': 'there is no producer config file: the options of sluice produce cover it',
  'replication-factor':
    'there is no replication factor: S3 and DynamoDB keep every record durable, so leave it out',
  'request-required-acks': 'every acknowledged record is already durable in S3 and DynamoDB: leave it out',
  acks: 'every acknowledged record is already durable in S3 and DynamoDB: leave it out',
  'compression-codec': 'records are stored as sent: leave it out',
  formatter:
    'use --json for every field of a record (topic, partition, offset, timestamp, key, value, headers)',
  'key-deserializer': 'keys are printed as UTF-8 text; use --json for every field of a record',
  'value-deserializer': 'values are printed as UTF-8 text; use --json for every field of a record',
  'key-serializer': 'keys are sent as the UTF-8 text you give',
  'value-serializer': 'values are sent as the UTF-8 text of each stdin line',
  whitelist: 'consume one topic at a time: sluice consume <topic>',
  include: 'consume one topic at a time: sluice consume <topic>',
  version: 'the version is an option of sluice itself: sluice --version',
};

/** kafka-topics.sh / kafka-consumer-groups.sh actions given as options, per command. */
const ACTIONS: Record<string, Record<string, string>> = {
  topics: {
    create: 'sluice topics create <topic> [--partitions N]',
    list: 'sluice topics list',
    describe: 'sluice topics describe <topic>',
    delete: 'sluice topics delete <topic>',
  },
  groups: {
    list: 'sluice groups list',
    describe: 'sluice groups describe <group>',
    'reset-offsets': 'sluice groups reset-offsets <group> --topic T --to-earliest',
    delete: 'sluice groups delete <group>',
  },
};

/** `--property k=v` of the console producer and consumer. */
function propertyAdvice(value: string | undefined, command: string): string {
  const [key, setting = ''] = (value ?? '').split('=', 2);
  const enabled = setting.trim().toLowerCase() !== 'false';
  if (command === 'produce') {
    if (key === 'parse.key' || key === 'key.separator')
      return enabled
        ? 'split each stdin line into key and value with --key-separator S (e.g. --key-separator :)'
        : 'leave it out: without --key-separator each line is a value';
    if (key === 'parse.headers' || key === 'headers.delimiter')
      return 'give headers with --header k=v (repeatable); they apply to every record';
  }
  if (command === 'consume') {
    if (key === 'print.key')
      return enabled ? 'use --print-key' : 'leave it out: keys are not printed by default';
    if (key === 'key.separator') return 'use --key-separator S with --print-key';
    if (['print.timestamp', 'print.partition', 'print.offset', 'print.headers'].includes(key))
      return 'use --json: it prints topic, partition, offset, timestamp, key, value and headers';
  }
  return 'Sluice has no --property: each setting that exists is an option of its own';
}

/** `--consumer-property k=v` / `--producer-property k=v`. */
function clientPropertyAdvice(value: string | undefined, command: string): string {
  const [key, setting = ''] = (value ?? '').split('=', 2);
  if (key === 'group.id') return `use --group ${setting || 'G'}`;
  if (key === 'auto.offset.reset')
    return setting === 'earliest' ? 'use --from-beginning' : 'leave it out: new records only is the default';
  if (key === 'linger.ms') return `use --linger-ms ${setting || 'N'}`;
  if (key === 'enable.idempotence')
    return setting === 'false' ? 'use --no-idempotence' : 'leave it out: idempotence is on by default';
  return `Sluice has no client properties: see sluice ${command} --help for the options it has`;
}

/**
 * One line telling what to type instead of an unknown option.
 *
 * @example
 * unknownOptionAdvice({ name: 'bootstrap-server', rawName: '--bootstrap-server', command: 'topics' });
 * // 'Unknown option --bootstrap-server: Sluice is reached over HTTP, … use --url URL … (see: sluice topics --help)'
 */
export function unknownOptionAdvice(option: UnknownOption): string {
  const { name, rawName, value, command } = option;
  const see = command === '' ? '(see: sluice --help)' : `(see: sluice ${command} --help)`;
  let advice: string | undefined = KAFKA_OPTIONS[name] ?? ACTIONS[command]?.[name];
  if (ACTIONS[command]?.[name]) advice = `the action is a word, not an option: ${advice}`;
  if (name === 'property') advice = propertyAdvice(value, command);
  if (name === 'consumer-property' || name === 'producer-property')
    advice = clientPropertyAdvice(value, command);
  if (name === 'topic' && command !== 'groups')
    advice = `the topic is an argument, not an option: sluice ${command} ${value ?? '<topic>'}`;
  if (name === 'group' && command === 'groups')
    advice = `the group is an argument, not an option: sluice groups describe ${value ?? '<group>'}`;
  if (advice === undefined && command === '')
    return `Unknown option ${rawName}: options go after the command, as in sluice topics list --json ${see}`;
  if (advice === undefined) return `Unknown option ${rawName}: sluice ${command} has no such option ${see}`;
  const shown = value === undefined || name === 'topic' || name === 'group' ? rawName : `${rawName} ${value}`;
  return `Unknown option ${shown}: ${advice} ${see}`;
}
