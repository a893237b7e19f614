import { seasonalMedian, type PointModel } from './baselines.js';

function median(xs: number[]): number {
  const s = xs.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The daily median profile (median of the same time of day over the last
 * `k` days) scaled per day of the week: each of the last seven days gives a
 * factor, the median over its steps of actual ÷ profile, and the same day
 * next week is forecast as profile × that factor. Weekends at a third of
 * weekdays come out right from one week of history, and a burst last
 * Tuesday moves Tuesday's factor only as far as it moves the median of the
 * day's ratios (seasonal naive on the week copies it whole).
 */
export function weekdayProfile(day: number, k = 7, label = 'smedian-7-weekday'): PointModel {
  const base = seasonalMedian(day, k);
  const week = 7 * day;
  return {
    name: label,
    forecast(y, h) {
      const n = y.length;
      const prof = base.forecast(y, day);
      if (n < week) return Array.from({ length: h }, (_, i) => prof[i % day]!);
      const factors: number[] = [];
      for (let b = 0; b < 7; b++) {
        const ratios: number[] = [];
        for (let j = 0; j < day; j++) if (prof[j]! > 0) ratios.push(y[n - week + b * day + j]! / prof[j]!);
        factors.push(ratios.length ? Math.min(10, Math.max(0.05, median(ratios))) : 1);
      }
      return Array.from({ length: h }, (_, i) => prof[i % day]! * factors[Math.floor(i / day) % 7]!);
    },
  };
}
