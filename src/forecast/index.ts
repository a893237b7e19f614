export { forecastSeries, candidateModels, type ForecastOptions, type ForecastResult, type ForecastPoint, type ModelScore, type ForecastEvent } from './forecast.js';
export { cleanOutliers, type CleanResult } from './outliers.js';
export { readSeriesCsv, toGrid, type Series } from './series.js';
export { naive, seasonalNaive, seasonalMedian, levelAdjustedMedian, type PointModel } from './models/baselines.js';
export { holtWinters } from './models/holt-winters.js';
export { mstl, initMstl } from './models/mstl.js';
export { seriesFromModel, seriesFromCapture, seriesFromPrometheus } from './series-from.js';
export { sparkline as sparklineOf } from '../profiler/index.js';
export { lstm, type LstmOptions } from './models/lstm.js';
