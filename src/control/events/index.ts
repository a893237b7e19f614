export { EventLog, type ControllerEvent, type EventListener } from './event-log.js';
export { serveEventStream, sseFrame, type SseOptions } from './sse-stream.js';
