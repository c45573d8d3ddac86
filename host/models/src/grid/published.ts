/**
 * Published ETTh1 test figures (normalized units, test split 12/4/4 months) that `dendra eval grid`
 * prints beside Dendra's own protocol table. Facts with their source only: each row says where the
 * number was read and how far it was checked.
 *
 * Two kinds of source:
 * - the DLinear authors' benchmark file (cure-lab/LTSF-Linear, LTSF-Benchmark.md), which re-runs
 *   DLinear and Informer with input length 96, the look-back Dendra uses: read in the stored copy of
 *   that file (commit 1de8e69a6a96176c8448d45cbb4c6f91e42e8c5f) on 2026-12-06;
 * - the papers' own tables (look-back 336/512, or tuned): taken from secondary copies by an earlier
 *   session; Dendra's search corpus returns the papers (arXiv 2012.07436, 2205.13504, 2211.14730)
 *   but not their result tables, so these could not be re-confirmed against the original text.
 *   DLinear's paper S-96 figure and PatchTST's univariate figures are not cited for that reason.
 *
 * The evaluation pitfall: the LTSF-Linear code base builds its test loader with drop_last=True
 * (cure-lab/LTSF-Linear data_provider/data_factory.py, read in the stored copy on 2026-12-06), so its
 * figures skip the last incomplete test batch; Dendra scores every window.
 */

/** One published ETTh1 figure with its source and setting. */
export interface PublishedRow {
  model: string;
  /** S: OT in and out; M: 7 channels in and out, averaged over the 7. */
  setting: 'S' | 'M';
  /** Input length in hours (0: tuned per horizon by the authors). */
  lookback: number;
  horizon: number;
  mse: number;
  mae: number;
  source: string;
  /** How the figure was checked. */
  checked: string;
}

const LTSF_BENCH = 'Zeng et al. (DLinear authors), cure-lab/LTSF-Linear LTSF-Benchmark.md, ETTh1 tables with input length I = 96';
const BENCH_CHECKED = 'read in the stored copy of LTSF-Benchmark.md (commit 1de8e69a) on 2026-12-06';
const PAPER_CHECKED = 'from secondary copies of the paper table; not re-confirmed against the paper (table not in the search corpus)';

/** The published figures, M before S, then by horizon. */
export const PUBLISHED: readonly PublishedRow[] = [
  { model: 'Informer', setting: 'M', lookback: 0, horizon: 24, mse: 0.577, mae: 0.549, source: 'Zhou et al., Informer, AAAI 2021, multivariate table (ETTh1, 24)', checked: PAPER_CHECKED },
  { model: 'DLinear', setting: 'M', lookback: 96, horizon: 96, mse: 0.374, mae: 0.394, source: `${LTSF_BENCH} (multivariate)`, checked: BENCH_CHECKED },
  { model: 'Informer', setting: 'M', lookback: 96, horizon: 96, mse: 0.865, mae: 0.713, source: `${LTSF_BENCH} (multivariate)`, checked: BENCH_CHECKED },
  { model: 'DLinear', setting: 'M', lookback: 336, horizon: 96, mse: 0.375, mae: 0.399, source: 'Zeng et al., Are Transformers Effective for Time Series Forecasting?, AAAI 2023, Table 2', checked: PAPER_CHECKED },
  { model: 'PatchTST/64', setting: 'M', lookback: 512, horizon: 96, mse: 0.370, mae: 0.400, source: 'Nie et al., A Time Series is Worth 64 Words, ICLR 2023, Table 3', checked: PAPER_CHECKED },
  { model: 'Informer', setting: 'S', lookback: 0, horizon: 24, mse: 0.098, mae: 0.247, source: 'Zhou et al., Informer, AAAI 2021, univariate table (ETTh1, 24)', checked: PAPER_CHECKED },
  { model: 'DLinear', setting: 'S', lookback: 96, horizon: 96, mse: 0.053, mae: 0.177, source: `${LTSF_BENCH} (univariate)`, checked: BENCH_CHECKED },
  { model: 'Informer', setting: 'S', lookback: 96, horizon: 96, mse: 0.193, mae: 0.377, source: `${LTSF_BENCH} (univariate)`, checked: BENCH_CHECKED },
];

/**
 * The published figures to print beside a Dendra row: same horizon and setting; an MS row (7 channels
 * in, OT out) is shown beside the S figures (OT out), labelled as such by the caller.
 */
export function publishedFor(setting: 'S' | 'M' | 'MS', horizon: number): PublishedRow[] {
  const want = setting === 'M' ? 'M' : 'S';
  return PUBLISHED.filter((p) => p.setting === want && p.horizon === horizon);
}
