/**
 * The storm benchmark as a picture: one lane per client, requests per time bucket, accepted and
 * answered 429 stacked. A hand-written SVG string, so the bench needs no charting dependency and the
 * same data always gives the same bytes (the file is committed and diffs should mean something).
 */

/** One request as the vendor saw it: when it arrived (ms after the storm began) and the status sent. */
export interface TimelineRequest {
  atMs: number;
  status: number | undefined;
}

/** One client's storm: its label, when its last call finished, and every request the vendor saw. */
export interface TimelineLane {
  name: string;
  completionSeconds: number;
  requests: readonly TimelineRequest[];
}

/** What the picture is measured against. */
export interface TimelineOptions {
  /** Width of one bar: 100 ms shows the vendor's per-second pacing without drowning in noise. */
  bucketMs: number;
  /** The fastest any client could finish, drawn as a marker across all lanes. */
  idealSeconds: number;
  /** The vendor's rate limit, drawn as a line at its per-bucket equivalent. */
  limitPerSecond: number;
  /** Bars taller than this many requests per bucket are cut (and marked), so the paced lanes stay legible. */
  capPerBucket: number;
  title: string;
}

// Colours from the Okabe–Ito palette: distinguishable with the common colour-vision deficiencies,
// and dark enough on white (GitHub's light mode).
const ACCEPTED_COLOUR = '#0072B2';
const LIMITED_COLOUR = '#E69F00';
const IDEAL_COLOUR = '#CC79A7';
const INK = '#24292f';
const GRID = '#d0d7de';
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

const WIDTH_PX = 960;
const PLOT_LEFT_PX = 48;
const PLOT_RIGHT_PX = WIDTH_PX - 24;
const HEADER_PX = 80;
const LANE_LABEL_PX = 22;
const LANE_PLOT_PX = 64;
const LANE_GAP_PX = 16;
const AXIS_PX = 44;

/** Two decimals at most: keeps the file small and free of float noise, so equal data gives equal bytes. */
function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Bucket {
  accepted: number;
  limited: number;
}

/** Counts per bucket; the storm's only fault is the rate limit, so anything not 429 was accepted. */
function bucketsOf(requests: readonly TimelineRequest[], bucketMs: number, bucketCount: number): Bucket[] {
  const buckets: Bucket[] = Array.from({ length: bucketCount }, () => ({ accepted: 0, limited: 0 }));
  for (const request of requests) {
    // Clamped: a request logged a hair before the storm's start stamp still belongs to the first bucket.
    const index = Math.min(bucketCount - 1, Math.max(0, Math.floor(request.atMs / bucketMs)));
    const bucket = buckets[index]!;
    if (request.status === 429) bucket.limited += 1;
    else bucket.accepted += 1;
  }
  return buckets;
}

/** Renders the lanes on one time scale (so their lengths compare) as a standalone SVG document. */
export function renderStormTimeline(lanes: readonly TimelineLane[], options: TimelineOptions): string {
  const { bucketMs, idealSeconds, limitPerSecond, capPerBucket } = options;
  // A loop, not Math.max(...all): a retry storm's thousands of requests would all become call arguments.
  let lastSeconds = idealSeconds;
  for (const lane of lanes) {
    lastSeconds = Math.max(lastSeconds, lane.completionSeconds);
    for (const request of lane.requests) lastSeconds = Math.max(lastSeconds, request.atMs / 1000);
  }
  // Whole ticks at the right edge, so the axis ends on a labelled second.
  const tickSeconds = lastSeconds > 60 ? 10 : 5;
  const domainSeconds = Math.ceil(lastSeconds / tickSeconds) * tickSeconds;
  const bucketCount = Math.ceil((domainSeconds * 1000) / bucketMs);
  const plotWidthPx = PLOT_RIGHT_PX - PLOT_LEFT_PX;
  const xOfSeconds = (seconds: number): number => PLOT_LEFT_PX + (seconds / domainSeconds) * plotWidthPx;
  const bucketWidthPx = plotWidthPx / bucketCount;
  // A hairline between bars only once they are wide enough to keep one.
  const barWidthPx = bucketWidthPx > 2 ? bucketWidthPx - 0.5 : bucketWidthPx;
  const laneHeightPx = LANE_LABEL_PX + LANE_PLOT_PX + LANE_GAP_PX;
  const lanesTopPx = HEADER_PX;
  const lanesBottomPx = lanesTopPx + lanes.length * laneHeightPx - LANE_GAP_PX;
  const heightPx = lanesBottomPx + AXIS_PX;
  const limitPerBucket = (limitPerSecond * bucketMs) / 1000;
  const idealX = xOfSeconds(idealSeconds);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH_PX}" height="${px(heightPx)}" viewBox="0 0 ${WIDTH_PX} ${px(heightPx)}" font-family="${FONT}" font-size="12" fill="${INK}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<title>${escapeXml(options.title)}</title>`,
    // Opaque background: GitHub shows an SVG image on its page colour, and dark text on dark mode's
    // transparent background would vanish.
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PLOT_LEFT_PX}" y="22" font-size="15" font-weight="600">${escapeXml(options.title)}</text>`,
  );

  // Legend: one row under the title.
  const legendY = 48;
  let legendX = PLOT_LEFT_PX;
  const legendSwatch = (colour: string, label: string): void => {
    out.push(
      `<rect x="${px(legendX)}" y="${legendY - 10}" width="12" height="12" fill="${colour}"/>`,
      `<text x="${px(legendX + 17)}" y="${legendY}">${escapeXml(label)}</text>`,
    );
    legendX += 17 + label.length * 6.4 + 18;
  };
  legendSwatch(ACCEPTED_COLOUR, `accepted per ${bucketMs} ms`);
  legendSwatch(LIMITED_COLOUR, 'answered 429');
  out.push(
    `<line x1="${px(legendX)}" y1="${legendY - 4}" x2="${px(legendX + 22)}" y2="${legendY - 4}" stroke="${INK}" stroke-dasharray="3 2"/>`,
    `<text x="${px(legendX + 27)}" y="${legendY}">vendor limit (${limitPerSecond} req/s = ${px(limitPerBucket)} per bar)</text>`,
  );
  legendX += 27 + 36 * 6.4 + 18;
  out.push(
    `<line x1="${px(legendX)}" y1="${legendY - 10}" x2="${px(legendX)}" y2="${legendY + 2}" stroke="${IDEAL_COLOUR}" stroke-width="2"/>`,
    `<text x="${px(legendX + 6)}" y="${legendY}">ideal completion ${px(idealSeconds)} s</text>`,
  );
  out.push(
    `<text x="${PLOT_LEFT_PX}" y="${legendY + 18}" fill="#57606a">Bars above ${capPerBucket} per ${bucketMs} ms are cut and capped in black; each lane's black line is when its last call finished.</text>`,
  );

  lanes.forEach((lane, index) => {
    const laneTop = lanesTopPx + index * laneHeightPx;
    const plotTop = laneTop + LANE_LABEL_PX;
    const plotBottom = plotTop + LANE_PLOT_PX;
    const yOfCount = (count: number): number =>
      plotBottom - (Math.min(count, capPerBucket) / capPerBucket) * LANE_PLOT_PX;
    const buckets = bucketsOf(lane.requests, bucketMs, bucketCount);
    const limited = lane.requests.filter((r) => r.status === 429).length;
    const peak = buckets.reduce((most, b) => Math.max(most, b.accepted + b.limited), 0);

    out.push(
      `<text x="${PLOT_LEFT_PX}" y="${laneTop + 14}"><tspan font-weight="600">${escapeXml(lane.name)}</tspan>` +
        `<tspan dx="8">done in ${lane.completionSeconds.toFixed(2)} s · ${limited} × 429 of ${lane.requests.length} requests` +
        `${peak > capPerBucket ? ` · tallest bar ${peak}` : ''}</tspan></text>`,
      `<line x1="${PLOT_LEFT_PX}" y1="${plotTop}" x2="${PLOT_RIGHT_PX}" y2="${plotTop}" stroke="${GRID}"/>`,
      `<text x="${PLOT_LEFT_PX - 6}" y="${px(plotTop + 4)}" text-anchor="end" font-size="10" fill="#57606a">${capPerBucket}</text>`,
      `<text x="${PLOT_LEFT_PX - 6}" y="${px(plotBottom + 3)}" text-anchor="end" font-size="10" fill="#57606a">0</text>`,
    );

    // One path per colour and lane instead of a rect per bar: a third of the bytes for the same picture.
    const acceptedPath: string[] = [];
    const limitedPath: string[] = [];
    const cutPath: string[] = [];
    buckets.forEach((bucket, i) => {
      const x = px(PLOT_LEFT_PX + i * bucketWidthPx);
      const w = px(barWidthPx);
      const acceptedTop = yOfCount(bucket.accepted);
      const totalTop = yOfCount(bucket.accepted + bucket.limited);
      if (bucket.accepted > 0)
        acceptedPath.push(`M${x} ${px(plotBottom)}V${px(acceptedTop)}h${w}V${px(plotBottom)}z`);
      if (bucket.limited > 0 && totalTop < acceptedTop)
        limitedPath.push(`M${x} ${px(acceptedTop)}V${px(totalTop)}h${w}V${px(acceptedTop)}z`);
      if (bucket.accepted + bucket.limited > capPerBucket) cutPath.push(`M${x} ${px(plotTop)}h${w}v2h-${w}z`);
    });
    if (acceptedPath.length > 0) out.push(`<path fill="${ACCEPTED_COLOUR}" d="${acceptedPath.join('')}"/>`);
    if (limitedPath.length > 0) out.push(`<path fill="${LIMITED_COLOUR}" d="${limitedPath.join('')}"/>`);
    if (cutPath.length > 0) out.push(`<path fill="${INK}" d="${cutPath.join('')}"/>`);

    const limitY = px(yOfCount(limitPerBucket));
    const doneX = px(xOfSeconds(lane.completionSeconds));
    out.push(
      `<line x1="${PLOT_LEFT_PX}" y1="${limitY}" x2="${PLOT_RIGHT_PX}" y2="${limitY}" stroke="${INK}" stroke-dasharray="3 2" stroke-opacity="0.7"/>`,
      `<line x1="${PLOT_LEFT_PX}" y1="${plotBottom}" x2="${PLOT_RIGHT_PX}" y2="${plotBottom}" stroke="${INK}"/>`,
      `<line x1="${doneX}" y1="${plotTop - 4}" x2="${doneX}" y2="${plotBottom}" stroke="${INK}" stroke-width="2"/>`,
    );
  });

  // The ideal marker, drawn after every lane's bars so none hides it, and per plot so it crosses no label.
  lanes.forEach((_lane, index) => {
    const plotTop = lanesTopPx + index * laneHeightPx + LANE_LABEL_PX;
    out.push(
      `<line x1="${px(idealX)}" y1="${plotTop - 4}" x2="${px(idealX)}" y2="${plotTop + LANE_PLOT_PX}" stroke="${IDEAL_COLOUR}" stroke-width="2" stroke-opacity="0.9"/>`,
    );
  });

  // Time axis under the last lane.
  for (let s = 0; s <= domainSeconds; s += tickSeconds) {
    const x = px(xOfSeconds(s));
    out.push(
      `<line x1="${x}" y1="${px(lanesBottomPx)}" x2="${x}" y2="${px(lanesBottomPx + 5)}" stroke="${INK}"/>`,
      `<text x="${x}" y="${px(lanesBottomPx + 18)}" text-anchor="middle">${s} s</text>`,
    );
  }
  out.push(
    `<text x="${px(PLOT_LEFT_PX + plotWidthPx / 2)}" y="${px(lanesBottomPx + 36)}" text-anchor="middle" fill="#57606a">time since the storm began (same scale in every lane)</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
