/**
 * Consumer groups: the list, and for one group its members, each partition's committed
 * offset, end offset and lag, the total lag and how it moved while the page was open, and a
 * reset of its offsets when no member is active (the API refuses it otherwise, as Kafka does).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, cluster, type Group, type Lag, messageOf, seg } from '../api';
import { FROM_EARLIEST, type Position, PositionInput, timestampOf } from '../position';
import { count, FieldError, useInterval } from '../ui';

const REFRESH_MS = 2_000;
/** Samples the lag chart keeps: ten minutes at one every two seconds. */
const SAMPLES = 300;

export function GroupsPage({ group }: { group?: string }) {
  const [groups, setGroups] = useState<Group[]>();
  const [error, setError] = useState<string>();
  async function load() {
    try {
      const list = await call<{ data: Group[] }>('GET', `${await cluster()}/consumer-groups`);
      setGroups(list.data.sort((a, b) => a.consumer_group_id.localeCompare(b.consumer_group_id)));
      setError(undefined);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  useEffect(() => {
    void load();
  }, []);
  return (
    <section aria-labelledby="groups-title">
      <div class="page-head">
        <h1 id="groups-title">Consumer groups{group ? `: ${group}` : ''}</h1>
        {group && <a href="#/groups">All groups</a>}
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {group ? (
        <GroupDetail group={group} />
      ) : (
        <>
          {groups === undefined && !error && <p>Loading groups…</p>}
          {groups?.length === 0 && (
            <p>No consumer groups yet: a group appears when a consumer first joins it.</p>
          )}
          {groups && groups.length > 0 && (
            <table class="grid">
              <caption class="visually-hidden">Consumer groups</caption>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Members
                  </th>
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <tr key={g.consumer_group_id}>
                    <th scope="row">
                      <a href={`#/groups/${encodeURIComponent(g.consumer_group_id)}`}>
                        {g.consumer_group_id}
                      </a>
                    </th>
                    <td>{g.state}</td>
                    <td class="num">{g.members?.length ?? 0}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function GroupDetail({ group }: { group: string }) {
  const [info, setInfo] = useState<Group>();
  const [lags, setLags] = useState<Lag[]>();
  const [total, setTotal] = useState<number>();
  const [samples, setSamples] = useState<number[]>([]);
  const [error, setError] = useState<string>();

  async function refresh() {
    try {
      const base = `${await cluster()}/consumer-groups/${seg(group)}`;
      const [described, lagList, summary] = await Promise.all([
        call<Group>('GET', base),
        call<{ data: Lag[] }>('GET', `${base}/lags`),
        call<{ total_lag: number }>('GET', `${base}/lag-summary`),
      ]);
      const sorted = lagList.data.sort(
        (a, b) => a.topic_name.localeCompare(b.topic_name) || a.partition_id - b.partition_id,
      );
      setInfo(described);
      setLags(sorted);
      setTotal(summary.total_lag);
      setSamples((kept) => [...kept, summary.total_lag].slice(-SAMPLES));
      setError(undefined);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  useInterval(() => void refresh(), REFRESH_MS);

  const members = info?.members ?? [];
  return (
    <>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {info && (
        <dl class="facts">
          <dt>State</dt>
          <dd data-fact="state">{info.state}</dd>
          <dt>Members</dt>
          <dd>
            {members.length === 0
              ? 'none active'
              : members.map((m) => `${m.member_id} (${m.kind}: ${m.topics.join(', ')})`).join('; ')}
          </dd>
          <dt>Total lag</dt>
          <dd data-fact="total-lag">{total === undefined ? '…' : count(total)}</dd>
        </dl>
      )}
      {samples.length > 1 && <LagChart samples={samples} />}
      {lags && (
        <table class="grid">
          <caption class="visually-hidden">Lag per partition</caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col" class="num">
                Partition
              </th>
              <th scope="col" class="num">
                Committed
              </th>
              <th scope="col" class="num">
                End offset
              </th>
              <th scope="col" class="num">
                Lag
              </th>
              <th scope="col">Member</th>
            </tr>
          </thead>
          <tbody>
            {lags.map((l) => (
              <tr
                key={`${l.topic_name}-${l.partition_id}`}
                data-partition={`${l.topic_name}-${l.partition_id}`}
              >
                <td>{l.topic_name}</td>
                <td class="num">{l.partition_id}</td>
                <td class="num">{l.current_offset ?? '–'}</td>
                <td class="num">{l.log_end_offset}</td>
                <td class="num" data-col="lag">
                  {l.lag ?? '–'}
                </td>
                <td>{l.consumer_id || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {lags && (
        <ResetForm
          group={group}
          topics={[...new Set(lags.map((l) => l.topic_name))]}
          active={members.length > 0}
          onDone={() => void refresh()}
        />
      )}
    </>
  );
}

/** Total lag over the samples taken while the page is open, as a line. */
function LagChart({ samples }: { samples: number[] }) {
  const width = 600;
  const height = 80;
  const max = Math.max(1, ...samples);
  const points = samples
    .map(
      (s, i) =>
        `${((i / Math.max(samples.length - 1, 1)) * width).toFixed(1)},${(height - (s / max) * (height - 4) - 2).toFixed(1)}`,
    )
    .join(' ');
  return (
    <figure class="chart" data-samples={samples.join(' ')}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Total lag over time: now ${count(samples[samples.length - 1])}, highest ${count(max)}`}
      >
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="2" />
      </svg>
      <figcaption>
        Total lag, sampled every {REFRESH_MS / 1000} s while this page is open (highest {count(max)}).
      </figcaption>
    </figure>
  );
}

/** Labels of the reset targets, as `kafka-consumer-groups --reset-offsets` means them. */
const TARGETS = {
  earliest: 'the earliest record',
  latest: 'the end',
  timestamp: 'a date and time',
  offset: 'an offset',
} as const;

function ResetForm(props: { group: string; topics: string[]; active: boolean; onDone: () => void }) {
  const [topic, setTopic] = useState(props.topics[0] ?? '');
  const [to, setTo] = useState<Position>(FROM_EARLIEST);
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<string>();

  async function submit(event: Event) {
    event.preventDefault();
    setResult(undefined);
    const target: Record<string, unknown> = { topic_name: topic, to: to.kind };
    if (to.kind === 'timestamp') {
      const when = timestampOf(to);
      if ('error' in when) {
        setError(when.error);
        return;
      }
      target.timestamp = when.ms;
    }
    if (to.kind === 'offset') target.offset = to.offset.trim();
    try {
      const plan = await call<{ data: { partition_id: number; offset: number }[] }>(
        'POST',
        `${await cluster()}/consumer-groups/${seg(props.group)}/reset-offsets`,
        target,
      );
      setError(undefined);
      setResult(
        `Reset ${topic}: ${plan.data.map((p) => `partition ${p.partition_id} → ${p.offset}`).join(', ')}.`,
      );
      props.onDone();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="reset-title">
      <h2 id="reset-title">Reset offsets</h2>
      {props.active && (
        <p class="hint">
          The group has active members: stop its consumers first (Kafka resets only an empty group).
        </p>
      )}
      <div class="fields">
        <label>
          Topic
          <select name="topic" value={topic} onChange={(e) => setTopic(e.currentTarget.value)}>
            {props.topics.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <PositionInput
          label="To"
          name="to"
          value={to}
          onChange={setTo}
          labels={TARGETS}
          errorId="reset-error"
          invalid={error !== undefined}
        />
      </div>
      <FieldError id="reset-error" message={error} />
      <button type="submit" disabled={props.active || topic === ''}>
        Reset offsets
      </button>
      <p class="status" role="status">
        {result ?? ''}
      </p>
    </form>
  );
}
