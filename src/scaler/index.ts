export { compareSides, noiseFloorMs, type Side, type CompareOptions, type Comparison, type RouteComparison, type RouteVerdict } from './compare.js';
export { mannWhitney, binsOf, normalCdf, inverseNormal, type MannWhitney, type Bins } from './mann-whitney.js';
export { loadSide, sideFromReport, sideFromDump } from './sides.js';
