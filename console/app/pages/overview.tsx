/**
 * Overview: how many topics, partitions, retained records and groups there are, and how fast
 * records are produced and consumed — measured while the page is open, from the change in the
 * partitions' end offsets and the groups' committed offsets between two samples.
 */
import { useRef, useState } from 'preact/hooks';
import { call, cluster, type Group, type Lag, messageOf, type Partition, seg, type Topic } from '../api';
import { ratePerSecond } from '../rates';
import { count, useInterval } from '../ui';

const SAMPLE_EVERY_MS = 5_000;

/** One sample: offsets by partition (`topic/partition`) and when they were read. */
interface Sample {
  readonly at: number;
  readonly ends: ReadonlyMap<string, number>;
  readonly committed: ReadonlyMap<string, number>;
}

interface Figures {
  topics: number;
  partitions: number;
  records: number;
  groups: number;
  produceRate?: number;
  consumeRate?: number;
}

export function OverviewPage() {
  const [figures, setFigures] = useState<Figures>();
  const [error, setError] = useState<string>();
  const last = useRef<Sample | undefined>(undefined);

  async function sample() {
    try {
      const base = await cluster();
      const [topics, groups] = await Promise.all([
        call<{ data: Topic[] }>('GET', `${base}/topics`),
        call<{ data: Group[] }>('GET', `${base}/consumer-groups`),
      ]);
      const ends = new Map<string, number>();
      let records = 0;
      await Promise.all(
        topics.data.map(async (t) => {
          const partitions = await call<{ data: Partition[] }>(
            'GET',
            `${base}/topics/${seg(t.topic_name)}/partitions`,
          );
          for (const p of partitions.data) {
            ends.set(`${t.topic_name}/${p.partition_id}`, p.log_end_offset);
            records += p.log_end_offset - p.log_start_offset;
          }
        }),
      );
      const committed = new Map<string, number>();
      await Promise.all(
        groups.data.map(async (g) => {
          const lags = await call<{ data: Lag[] }>(
            'GET',
            `${base}/consumer-groups/${seg(g.consumer_group_id)}/lags`,
          );
          for (const l of lags.data) {
            if (l.current_offset !== null) {
              committed.set(`${g.consumer_group_id}/${l.topic_name}/${l.partition_id}`, l.current_offset);
            }
          }
        }),
      );
      const now: Sample = { at: Date.now(), ends, committed };
      const previous = last.current;
      last.current = now;
      const seconds = previous ? (now.at - previous.at) / 1000 : 0;
      setFigures({
        topics: topics.data.length,
        partitions: topics.data.reduce((sum, t) => sum + t.partitions_count, 0),
        records,
        groups: groups.data.length,
        produceRate: previous ? ratePerSecond(previous.ends, ends, seconds) : undefined,
        consumeRate: previous ? ratePerSecond(previous.committed, committed, seconds) : undefined,
      });
      setError(undefined);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  useInterval(() => void sample(), SAMPLE_EVERY_MS);

  const rate = (value: number | undefined) =>
    value === undefined
      ? 'measuring…'
      : `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} records/s`;
  return (
    <section aria-labelledby="overview-title">
      <div class="page-head">
        <h1 id="overview-title">Overview</h1>
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {!figures && !error && <p>Reading the cluster…</p>}
      {figures && (
        <dl class="tiles">
          <div>
            <dt>Topics</dt>
            <dd data-fact="topics">{count(figures.topics)}</dd>
          </div>
          <div>
            <dt>Partitions</dt>
            <dd>{count(figures.partitions)}</dd>
          </div>
          <div>
            <dt>Records retained</dt>
            <dd>{count(figures.records)}</dd>
          </div>
          <div>
            <dt>Consumer groups</dt>
            <dd>{count(figures.groups)}</dd>
          </div>
          <div>
            <dt>Produced</dt>
            <dd data-fact="produce-rate">{rate(figures.produceRate)}</dd>
          </div>
          <div>
            <dt>Committed by groups</dt>
            <dd data-fact="consume-rate">{rate(figures.consumeRate)}</dd>
          </div>
        </dl>
      )}
      <p class="hint">
        Rates are measured while this page is open, every {SAMPLE_EVERY_MS / 1000} s, from the change in each
        partition's end offset and each group's committed offsets.
      </p>
    </section>
  );
}
